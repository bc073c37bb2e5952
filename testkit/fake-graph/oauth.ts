import { createHash, randomBytes, randomUUID } from "node:crypto";
import { accessDenied, invalidToken, OAuthError } from "./graph-errors.js";

/**
 * The Microsoft identity platform's v2 endpoints as far as a Graph client uses them ("Microsoft
 * identity platform and OAuth 2.0 authorization code flow", "Microsoft Entra authentication and
 * authorization error codes"):
 * - `/{tenant}/oauth2/v2.0/authorize`: consents at once as the chosen mailbox and redirects with
 *   `code` and `state`; a refusal redirects with `error=access_denied` (AADSTS65004). An unknown
 *   client (AADSTS700016) or unregistered redirect URI (AADSTS50011) is not redirected (RFC 6749
 *   §4.1.2.1: never redirect to an unverified address); the fake answers 400 JSON where Microsoft
 *   shows an error page.
 * - `/{tenant}/oauth2/v2.0/token`: `authorization_code` (PKCE S256 or plain checked, AADSTS501481;
 *   codes single-use, AADSTS54005; ten minutes' life, AADSTS70008; redirect_uri equal) and
 *   `refresh_token`. A refresh token comes only with `offline_access`, an id_token only with
 *   `openid`. Each refresh answers a new refresh token; per the docs the old one is *not* revoked by
 *   that ("you're expected to discard it") unless `revokeRotatedRefreshTokens` is set.
 * Access tokens are JWT-shaped (unsigned) and, like Microsoft's, stay valid until they expire even
 * when their refresh token is revoked; `expireAccessTokens()` ends them.
 */

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  /** Registered redirect URIs (exact match). Default: any http(s) loopback URI, the docs' advice for native apps. */
  redirectUris?: string[];
  accessTokenTtlSeconds: number;
  revokeRotatedRefreshTokens: boolean;
}

export interface Grant {
  email: string;
  oid: string;
  displayName: string;
  /** Scopes as asked, e.g. ["openid", "offline_access", "Calendars.ReadWrite"]. */
  scopes: string[];
}

interface Code extends Grant {
  redirectUri: string;
  challenge?: string;
  challengeMethod?: string;
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

interface RefreshToken extends Grant {
  state: "valid" | "revoked" | "expired";
}

interface AccessToken extends Grant {
  expiresAt: number;
}

export type AuthorizeAnswer = { redirect: string } | { status: number; body: object };

/** OIDC scopes and offline_access, as opposed to the Graph permissions a token is for. */
const PROTOCOL_SCOPES = ["openid", "profile", "email", "offline_access"];
const CODE_TTL_MS = 10 * 60_000;

export class OAuthServer {
  tokenRequests = 0;
  private readonly codes = new Map<string, Code>();
  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private refusal: string | undefined;

  constructor(
    private readonly options: OAuthOptions,
    /** The issuer base, e.g. http://127.0.0.1:port/ */
    private readonly authorityUrl: () => string,
    /** Mailbox chosen for a sign-in: the login_hint's, or the fake's current user. */
    private readonly signInUser: (loginHint: string | undefined) => Omit<Grant, "scopes"> | undefined,
  ) {}

  /** A refresh token as if the user had consented to these scopes (the test control behind addAccount). */
  issueRefreshToken(user: Omit<Grant, "scopes">, scopes: string[]): string {
    const token = `M.C${randomBytes(3).toString("hex")}_${randomBytes(48).toString("base64url")}`;
    this.refreshTokens.set(token, { ...user, scopes, state: "valid" });
    return token;
  }

  /** The token is revoked: refreshing it answers invalid_grant (AADSTS50173). */
  revoke(refreshToken: string): void {
    const token = this.refreshTokens.get(refreshToken);
    if (token) token.state = "revoked";
  }

  /** The token expired from inactivity: refreshing it answers invalid_grant (AADSTS700082). */
  expire(refreshToken: string): void {
    const token = this.refreshTokens.get(refreshToken);
    if (token) token.state = "expired";
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** The next authorize request is refused by the user (access_denied). */
  refuseConsent(description: string): void {
    this.refusal = description;
  }

  authorize(tenant: string, query: URLSearchParams): AuthorizeAnswer {
    const page = (error: string, aadsts: number, description: string): AuthorizeAnswer => ({
      status: 400,
      body: { error, error_description: `AADSTS${aadsts}: ${description}` },
    });
    if (!this.knownTenant(tenant)) return page("invalid_request", 90002, `Tenant '${tenant}' not found.`);
    const clientId = query.get("client_id");
    if (clientId !== this.options.clientId) {
      return page("unauthorized_client", 700016, `Application with identifier '${clientId ?? ""}' was not found in the directory '${tenant}'.`);
    }
    const redirectUri = query.get("redirect_uri") ?? "";
    if (!this.registered(redirectUri)) {
      return page(
        "invalid_request",
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application.`,
      );
    }
    const back = (params: Record<string, string>): AuthorizeAnswer => {
      const url = new URL(redirectUri);
      const state = query.get("state");
      const all = { ...params, ...(state === null ? {} : { state }) };
      const encoded = new URLSearchParams(all).toString();
      if (query.get("response_mode") === "fragment") return { redirect: `${url.origin}${url.pathname}${url.search}#${encoded}` };
      for (const [name, value] of Object.entries(all)) url.searchParams.set(name, value);
      return { redirect: url.toString() };
    };
    const refuse = (error: string, aadsts: number, description: string) => back({ error, error_description: `AADSTS${aadsts}: ${description}` });
    if (query.get("response_mode") === "form_post") return page("invalid_request", 70007, "The fake answers response_mode query or fragment only.");
    if (query.get("response_type") !== "code")
      return refuse("unsupported_response_type", 70005, "The provided value for 'response_type' is not supported.");
    const scopes = (query.get("scope") ?? "").split(" ").filter(Boolean);
    if (!scopes.length) return refuse("invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
    const challenge = query.get("code_challenge") ?? undefined;
    const challengeMethod = query.get("code_challenge_method") ?? (challenge ? "plain" : undefined);
    if (challengeMethod && (!challenge || !["S256", "plain"].includes(challengeMethod))) {
      return refuse("invalid_request", 50147, "The code_challenge or code_challenge_method parameter is not valid.");
    }
    if (this.refusal !== undefined) {
      const description = this.refusal;
      this.refusal = undefined;
      return refuse("access_denied", 65004, description);
    }
    const user = this.signInUser(query.get("login_hint") ?? undefined);
    if (!user) return page("interaction_required", 50058, "No mailbox to sign in as: the fake needs addAccount first.");
    const code = `1.A${randomBytes(3).toString("hex")}.${randomBytes(48).toString("base64url")}`;
    this.codes.set(code, {
      ...user,
      scopes,
      redirectUri,
      challenge,
      challengeMethod,
      nonce: query.get("nonce") ?? undefined,
      expiresAt: Date.now() + CODE_TTL_MS,
      redeemed: false,
    });
    return back({ code, session_state: randomUUID() });
  }

  /** POST /{tenant}/oauth2/v2.0/token; throws OAuthError for the error answers. */
  token(tenant: string, form: URLSearchParams, authorization: string | undefined): object {
    this.tokenRequests++;
    if (!this.knownTenant(tenant)) throw new OAuthError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    const basic = /^Basic (.+)$/i.exec(authorization ?? "");
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1], "base64").toString("utf8").split(":").map(decodeURIComponent) : [];
    const clientId = form.get("client_id") ?? basicId;
    const secret = form.get("client_secret") ?? basicSecret;
    if (clientId !== this.options.clientId) {
      throw new OAuthError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId ?? ""}' was not found in the directory '${tenant}'.`,
      );
    }
    if (secret === undefined)
      throw new OAuthError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    if (secret !== this.options.clientSecret) {
      throw new OAuthError(
        401,
        "invalid_client",
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    switch (form.get("grant_type")) {
      case "authorization_code":
        return this.redeemCode(form);
      case "refresh_token":
        return this.refresh(form);
      default:
        throw new OAuthError(400, "unsupported_grant_type", 70003, "The app returned an unsupported grant type.");
    }
  }

  /** The grant behind a Graph call's bearer token; 401 InvalidAuthenticationToken otherwise. */
  authenticate(authorization: string | undefined): AccessToken {
    const match = /^Bearer (.+)$/i.exec(authorization ?? "");
    if (!match) throw invalidToken("Access token is empty.");
    const token = this.accessTokens.get(match[1]);
    if (!token) throw invalidToken("IDX14100: JWT is not well formed or was not issued by this server.");
    if (token.expiresAt <= Date.now()) throw invalidToken("Access token has expired or is not yet valid.");
    return token;
  }

  /** 403 ErrorAccessDenied unless the token carries Calendars.ReadWrite (or Calendars.Read for reads). */
  requirePermission(token: AccessToken, write: boolean): void {
    const granted = new Set(token.scopes.map(shortScope));
    if (!granted.has("calendars.readwrite") && (write || !granted.has("calendars.read"))) throw accessDenied();
  }

  private redeemCode(form: URLSearchParams): object {
    const value = form.get("code");
    if (!value) throw new OAuthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'code'.");
    const code = this.codes.get(value);
    if (!code) throw new OAuthError(400, "invalid_grant", 70000, "The provided authorization code is invalid or malformed.");
    if (code.redeemed) {
      throw new OAuthError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
      );
    }
    if (code.expiresAt <= Date.now())
      throw new OAuthError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.");
    if (form.get("redirect_uri") !== code.redirectUri) {
      throw new OAuthError(
        400,
        "invalid_grant",
        70000,
        "The provided value for 'redirect_uri' does not match the redirect URI of the authorization request.",
      );
    }
    if (code.challenge !== undefined) {
      const verifier = form.get("code_verifier") ?? "";
      const derived = code.challengeMethod === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
      // A wrong verifier leaves the code unredeemed: the docs only make redemption single-use.
      if (!verifier || derived !== code.challenge) {
        throw new OAuthError(
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
      }
    }
    code.redeemed = true;
    return this.issue(code, code.nonce);
  }

  private refresh(form: URLSearchParams): object {
    const value = form.get("refresh_token");
    if (!value) throw new OAuthError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'refresh_token'.");
    const token = this.refreshTokens.get(value);
    if (!token) throw new OAuthError(400, "invalid_grant", 70000, "Authentication failed. The refresh token isn't valid.");
    if (token.state === "revoked") {
      throw new OAuthError(400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed.");
    }
    if (token.state === "expired") {
      throw new OAuthError(400, "invalid_grant", 700082, "The refresh token has expired due to inactivity.");
    }
    const asked = (form.get("scope") ?? "").split(" ").filter((s) => s && !PROTOCOL_SCOPES.includes(s.toLowerCase()));
    const granted = new Set(token.scopes.map(shortScope));
    const beyond = asked.filter((s) => !granted.has(shortScope(s)));
    if (beyond.length)
      throw new OAuthError(
        400,
        "invalid_scope",
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope ${beyond.join(" ")} was not consented to.`,
      );
    if (this.options.revokeRotatedRefreshTokens) token.state = "revoked";
    return this.issue(token);
  }

  private issue(grant: Grant, nonce?: string): object {
    const now = Math.floor(Date.now() / 1000);
    const ttl = this.options.accessTokenTtlSeconds;
    const lower = grant.scopes.map((s) => s.toLowerCase());
    const permissions = grant.scopes.filter((s) => !PROTOCOL_SCOPES.includes(s.toLowerCase()));
    const accessToken = jwt({
      aud: "https://graph.microsoft.com",
      iss: `https://sts.windows.net/${this.options.tenantId}/`,
      iat: now,
      exp: now + ttl,
      oid: grant.oid,
      tid: this.options.tenantId,
      upn: grant.email,
      scp: permissions.map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, "")).join(" "),
      uti: randomBytes(12).toString("base64url"),
    });
    this.accessTokens.set(accessToken, { ...grant, expiresAt: Date.now() + ttl * 1000 });
    const answer: Record<string, unknown> = {
      token_type: "Bearer",
      scope: grant.scopes.filter((s) => s.toLowerCase() !== "offline_access").join(" "),
      expires_in: ttl,
      ext_expires_in: ttl,
      access_token: accessToken,
    };
    if (lower.includes("offline_access")) answer.refresh_token = this.issueRefreshToken(grant, grant.scopes);
    if (lower.includes("openid")) {
      answer.id_token = jwt({
        aud: this.options.clientId,
        iss: `${this.authorityUrl()}${this.options.tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3600,
        name: grant.displayName,
        oid: grant.oid,
        preferred_username: grant.email,
        ...(lower.includes("email") ? { email: grant.email } : {}),
        sub: createHash("sha256").update(`${grant.oid}:${this.options.clientId}`).digest("base64url").slice(0, 43),
        tid: this.options.tenantId,
        ver: "2.0",
        ...(nonce ? { nonce } : {}),
      });
    }
    return answer;
  }

  private knownTenant(tenant: string): boolean {
    return ["common", "organizations", "consumers", this.options.tenantId].includes(tenant);
  }

  private registered(uri: string): boolean {
    if (this.options.redirectUris) return this.options.redirectUris.includes(uri);
    try {
      const url = new URL(uri);
      return ["http:", "https:"].includes(url.protocol) && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    } catch {
      return false;
    }
  }
}

/** Graph permissions compare by their short name, without regard to case: "https://graph.microsoft.com/Calendars.ReadWrite" is "calendars.readwrite". */
function shortScope(scope: string): string {
  return scope.replace(/^https:\/\/graph\.microsoft\.com\//i, "").toLowerCase();
}

/** An unsigned JWT (`alg: none`): the docs tell clients not to validate Graph tokens, and an id_token is only read. */
function jwt(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ typ: "JWT", alg: "none" })}.${part(claims)}.`;
}
