import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from "node:crypto";

/**
 * Google's OAuth 2.0 endpoints as far as taskcal uses them ("Using OAuth 2.0
 * for Web Server Applications", "Using OAuth 2.0 for Server to Server
 * Applications", OpenID Connect):
 * - the authorization endpoint consents at once as the browser's signed-in
 *   account (`login_hint` when it names one, else `consentAs`, else the first
 *   account) and redirects with `code` and `state`; `refuseConsent` makes the
 *   next one redirect with `error=access_denied`. An unknown client or an
 *   unregistered redirect URI is not redirected (Google shows an error page;
 *   the fake answers JSON).
 * - the token endpoint: `authorization_code` (PKCE S256 checked, codes single
 *   use and ten minutes long, redirect_uri equal to the authorization's; a
 *   refresh token with `access_type=offline` on a first grant or with
 *   `prompt=consent`; an ID token naming the e-mail with `openid email`),
 *   `refresh_token`, and `urn:ietf:params:oauth:grant-type:jwt-bearer` for
 *   service accounts (an RS256 assertion signed with the key `addServiceAccount`
 *   handed out; `sub` only where domain-wide delegation is granted).
 */

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSeconds: number;
  /** Registered redirect URIs (exact match). Default: any http(s) loopback URI. */
  redirectUris?: string[];
  /** Whether a Google account of that e-mail exists. */
  accountExists(email: string): boolean;
  /** The first account added, signed in when nobody else is. */
  firstAccount(): string | undefined;
}

export type AuthorizeAnswer = { redirect: string } | { status: number; body: object };

/** An error answer of the token endpoint: `{error, error_description}`. */
export class OAuthFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }

  body(): object {
    return { error: this.error, error_description: this.description };
  }
}

/** What Google's JWT assertions are addressed to, whatever URL the request went to. */
export const GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token";
const CODE_TTL_MS = 10 * 60_000;
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

interface Code {
  email: string;
  redirectUri: string;
  challenge?: string;
  challengeMethod?: string;
  scopes: string[];
  offline: boolean;
  consentPrompted: boolean;
  expiresAt: number;
  used: boolean;
}

interface AccessToken {
  email: string;
  /** What it was issued for: revoking that ends it. */
  source: { refreshToken: string } | { serviceAccount: string };
  expiresAt: number;
}

interface ServiceAccount {
  publicKey: KeyObject;
  delegated: boolean;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

export class GoogleOAuth {
  private readonly refreshTokens = new Map<string, string>(); // refresh token → e-mail
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly codes = new Map<string, Code>();
  private readonly granted = new Set<string>(); // e-mails that consented to this client before
  private readonly serviceAccounts = new Map<string, ServiceAccount>(); // client_email → key
  private signedIn: string | undefined;
  private refusal: string | undefined;
  private withholdRefreshToken = false;
  private idTokenKey: KeyObject | undefined;

  constructor(private readonly options: OAuthOptions) {}

  issueRefreshToken(email: string): string {
    const token = `1//fake-${randomBytes(24).toString("base64url")}`;
    this.refreshTokens.set(token, email);
    this.granted.add(email);
    return token;
  }

  revoke(refreshToken: string): void {
    this.refreshTokens.delete(refreshToken);
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** The Google account signed in in the browser that visits the consent screen. */
  consentAs(email: string): void {
    this.signedIn = email;
  }

  /** The next consent is refused with this error (the user clicked Cancel: access_denied). */
  refuseConsent(error = "access_denied"): void {
    this.refusal = error;
  }

  /** The next code exchange answers without a refresh token (as Google does for a grant it already holds, without prompt=consent). */
  nextGrantWithoutRefreshToken(): void {
    this.withholdRefreshToken = true;
  }

  /** A service account and its JSON key (as the Cloud Console downloads it); `delegated`: domain-wide delegation granted. */
  addServiceAccount(options: { delegated?: boolean; name?: string } = {}): string {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const name = options.name ?? `taskcal-${randomBytes(3).toString("hex")}`;
    const clientEmail = `${name}@fake-project.iam.gserviceaccount.com`;
    this.serviceAccounts.set(clientEmail, { publicKey, delegated: options.delegated ?? true });
    return JSON.stringify({
      type: "service_account",
      project_id: "fake-project",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      client_email: clientEmail,
      client_id: String(100_000_000_000_000_000_000n + BigInt(this.serviceAccounts.size)),
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: GOOGLE_TOKEN_AUDIENCE,
    });
  }

  /** The Workspace administrator grants or withdraws the service account's domain-wide delegation. */
  setDelegation(clientEmail: string, granted: boolean): void {
    const account = this.serviceAccounts.get(clientEmail);
    if (!account) throw new Error(`no service account ${clientEmail}`);
    account.delegated = granted;
  }

  authorize(query: URLSearchParams): AuthorizeAnswer {
    const page = (status: number, error: string, description: string): AuthorizeAnswer => ({
      status,
      body: { error, error_description: description },
    });
    if (query.get("client_id") !== this.options.clientId) return page(401, "invalid_client", "The OAuth client was not found.");
    const redirectUri = query.get("redirect_uri") ?? "";
    if (!this.registered(redirectUri)) {
      return page(
        400,
        "redirect_uri_mismatch",
        `The redirect URI in the request, ${redirectUri}, does not match the ones authorized for the OAuth client.`,
      );
    }
    const back = (params: Record<string, string>): AuthorizeAnswer => {
      const url = new URL(redirectUri);
      const state = query.get("state");
      for (const [name, value] of Object.entries({ ...params, ...(state === null ? {} : { state }) })) url.searchParams.set(name, value);
      return { redirect: url.toString() };
    };
    if (query.get("response_type") !== "code") return back({ error: "unsupported_response_type" });
    const scopes = (query.get("scope") ?? "").split(" ").filter(Boolean);
    if (scopes.length === 0) return back({ error: "invalid_scope", error_description: "Missing required parameter: scope" });
    const challenge = query.get("code_challenge") ?? undefined;
    const challengeMethod = query.get("code_challenge_method") ?? (challenge ? "plain" : undefined);
    if (challengeMethod && (!challenge || !["S256", "plain"].includes(challengeMethod))) {
      return back({ error: "invalid_request", error_description: "Invalid code_challenge_method" });
    }
    if (this.refusal !== undefined) {
      const error = this.refusal;
      this.refusal = undefined;
      return back({ error });
    }
    const hint = query.get("login_hint") ?? "";
    const email = this.options.accountExists(hint) ? hint : (this.signedIn ?? this.options.firstAccount());
    if (!email) return page(400, "interaction_required", "No Google account to sign in as: the fake needs addAccount first.");
    const code = `4/fake-${randomBytes(24).toString("base64url")}`;
    this.codes.set(code, {
      email,
      redirectUri,
      challenge,
      challengeMethod,
      scopes,
      offline: query.get("access_type") === "offline",
      consentPrompted: (query.get("prompt") ?? "").split(" ").includes("consent"),
      expiresAt: Date.now() + CODE_TTL_MS,
      used: false,
    });
    return back({ code, scope: scopes.join(" "), authuser: "0", prompt: "consent" });
  }

  /** POST /token; throws OAuthFailure for the error answers. */
  token(form: URLSearchParams): object {
    const grant = form.get("grant_type");
    if (grant === JWT_BEARER) return this.jwtBearer(form.get("assertion") ?? "");
    if (form.get("client_id") !== this.options.clientId || form.get("client_secret") !== this.options.clientSecret) {
      throw new OAuthFailure(401, "invalid_client", "The OAuth client was not found.");
    }
    if (grant === "authorization_code") return this.redeem(form);
    if (grant !== "refresh_token") throw new OAuthFailure(400, "unsupported_grant_type", "Invalid grant_type.");
    const refreshToken = form.get("refresh_token") ?? "";
    const email = this.refreshTokens.get(refreshToken);
    if (!email) throw new OAuthFailure(400, "invalid_grant", "Token has been expired or revoked.");
    return this.accessAnswer(email, { refreshToken });
  }

  /** The account behind an API call's bearer token; undefined when it is missing, unknown, expired or revoked. */
  authenticate(authorization: string | undefined): string | undefined {
    const match = /^Bearer (.+)$/.exec(authorization ?? "");
    const token = match ? this.accessTokens.get(match[1]) : undefined;
    if (!token || token.expiresAt < Date.now()) return undefined;
    const source = token.source;
    const live =
      "refreshToken" in source ? this.refreshTokens.has(source.refreshToken) : this.serviceAccounts.get(source.serviceAccount)?.delegated === true;
    return live ? token.email : undefined;
  }

  private redeem(form: URLSearchParams): object {
    const code = this.codes.get(form.get("code") ?? "");
    if (!code || code.used || code.expiresAt < Date.now()) throw new OAuthFailure(400, "invalid_grant", "Malformed auth code.");
    if (form.get("redirect_uri") !== code.redirectUri) throw new OAuthFailure(400, "redirect_uri_mismatch", "Bad Request");
    if (code.challenge !== undefined) {
      const verifier = form.get("code_verifier") ?? "";
      const derived = code.challengeMethod === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
      if (!verifier || derived !== code.challenge) throw new OAuthFailure(400, "invalid_grant", "Invalid code verifier.");
    }
    code.used = true;
    const firstGrant = !this.granted.has(code.email);
    const withRefresh = code.offline && (firstGrant || code.consentPrompted) && !this.withholdRefreshToken;
    this.withholdRefreshToken = false;
    const refreshToken = withRefresh ? this.issueRefreshToken(code.email) : undefined;
    this.granted.add(code.email);
    const answer: Record<string, unknown> = {
      ...this.accessAnswer(code.email, refreshToken ? { refreshToken } : { refreshToken: this.anyRefreshToken(code.email) }),
      scope: code.scopes.join(" "),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    };
    if (code.scopes.includes("openid")) answer.id_token = this.idToken(code.email, code.scopes.includes("email"));
    return answer;
  }

  /** A grant without a new refresh token still rides on the account's consent: tie its access token to one of its tokens. */
  private anyRefreshToken(email: string): string {
    for (const [token, owner] of this.refreshTokens) if (owner === email) return token;
    return this.issueRefreshToken(email);
  }

  private jwtBearer(assertion: string): object {
    const [header, payload, signature] = assertion.split(".");
    let claims: { iss?: string; sub?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    try {
      if (JSON.parse(Buffer.from(header, "base64url").toString()).alg !== "RS256") throw new Error("alg");
      claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    } catch {
      throw new OAuthFailure(400, "invalid_grant", "Invalid JWT: malformed assertion.");
    }
    const account = this.serviceAccounts.get(claims.iss ?? "");
    if (!account) throw new OAuthFailure(400, "invalid_grant", "Invalid grant: account not found");
    const signed = Buffer.from(`${header}.${payload}`);
    if (!signature || !verify("RSA-SHA256", signed, account.publicKey, Buffer.from(signature, "base64url"))) {
      throw new OAuthFailure(400, "invalid_grant", "Invalid JWT Signature.");
    }
    const now = Math.floor(Date.now() / 1000);
    if (claims.aud !== GOOGLE_TOKEN_AUDIENCE || !claims.iat || !claims.exp || claims.exp - claims.iat > 3600 || claims.exp < now - 60) {
      throw new OAuthFailure(
        400,
        "invalid_grant",
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.",
      );
    }
    if (!claims.scope) throw new OAuthFailure(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
    if (!claims.sub) throw new OAuthFailure(400, "invalid_request", "The fake serves delegated grants only (a sub claim naming the user).");
    if (!account.delegated) {
      throw new OAuthFailure(
        401,
        "unauthorized_client",
        "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
      );
    }
    if (!this.options.accountExists(claims.sub)) throw new OAuthFailure(400, "invalid_grant", "Invalid email or User ID");
    return this.accessAnswer(claims.sub, { serviceAccount: claims.iss! });
  }

  private accessAnswer(email: string, source: AccessToken["source"]): object {
    const ttl = this.options.accessTokenTtlSeconds;
    const accessToken = `ya29.fake-${randomBytes(18).toString("base64url")}`;
    this.accessTokens.set(accessToken, { email, source, expiresAt: Date.now() + ttl * 1000 });
    return { access_token: accessToken, expires_in: ttl, scope: "https://www.googleapis.com/auth/calendar", token_type: "Bearer" };
  }

  /** An ID token as Google signs them (RS256); taskcal reads it from the token endpoint's answer over TLS and need not check it. */
  private idToken(email: string, withEmail: boolean): string {
    this.idTokenKey ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: "https://accounts.google.com",
      azp: this.options.clientId,
      aud: this.options.clientId,
      sub: BigInt(`0x${createHash("sha256").update(email).digest("hex").slice(0, 15)}`).toString(),
      ...(withEmail ? { email, email_verified: true } : {}),
      iat: now,
      exp: now + 3600,
    };
    const unsigned = `${b64({ alg: "RS256", kid: "fake", typ: "JWT" })}.${b64(claims)}`;
    return `${unsigned}.${sign("RSA-SHA256", Buffer.from(unsigned), this.idTokenKey).toString("base64url")}`;
  }

  private registered(uri: string): boolean {
    if (this.options.redirectUris) return this.options.redirectUris.includes(uri);
    if (!URL.canParse(uri)) return false;
    const url = new URL(uri);
    return ["http:", "https:"].includes(url.protocol) && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  }
}
