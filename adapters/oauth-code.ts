// The provider-neutral half of a consent flow: PKCE (RFC 7636) and redeeming
// an authorization code at the provider's token endpoint (RFC 6749 §4.1.3,
// client_secret_post), for any provider that describes an OAuthFlow.
import { createHash, randomBytes } from "node:crypto";
import type { OAuthTokenAnswer } from "./provider.js";

/** A PKCE verifier (43 characters of 32 random bytes) and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The token endpoint refused the code, or could not be asked. `error` is the provider's code (invalid_grant…), never a secret. */
export class CodeRefused extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    /** HTTP status of the answer; absent when there was none. */
    readonly status?: number,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = "CodeRefused";
  }
}

export interface CodeRedemption {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  verifier: string;
  timeoutMs?: number;
}

/** The claims of a JWT, unverified; undefined when it is not one. */
function claimsOf(jwt: unknown): Record<string, unknown> | undefined {
  if (typeof jwt !== "string") return undefined;
  const [, payload] = jwt.split(".");
  try {
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8"));
    return claims && typeof claims === "object" && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

export async function redeemCode(request: CodeRedemption): Promise<OAuthTokenAnswer> {
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: request.code,
    redirect_uri: request.redirectUri,
    client_id: request.clientId,
    client_secret: request.clientSecret,
    code_verifier: request.verifier,
  });
  let response: Response;
  try {
    response = await fetch(request.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form,
      redirect: "error",
      signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
    });
  } catch {
    throw new CodeRefused("unreachable", "the token endpoint did not answer");
  }
  let body: Record<string, unknown>;
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new CodeRefused("invalid_response", `the token endpoint answered ${response.status} without JSON`, response.status);
  }
  if (!response.ok || typeof body.error === "string") {
    const error = typeof body.error === "string" ? body.error : `http_${response.status}`;
    const description = typeof body.error_description === "string" ? body.error_description.slice(0, 300) : "";
    throw new CodeRefused(error, description, response.status);
  }
  return { body, idTokenClaims: claimsOf(body.id_token) };
}
