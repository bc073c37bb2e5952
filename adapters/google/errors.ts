import {
  AdapterError,
  AlreadyExists,
  AuthRevoked,
  NotFound,
  Permanent,
  PermissionDenied,
  PreconditionFailed,
  RateLimited,
  SyncTokenExpired,
  Transient,
} from "../types.js";

/** The parts of a gaxios error we read; nothing else of it (config, headers sent) may leak, it holds secrets. */
interface HttpFailure {
  response?: { status: number; data?: unknown; headers?: unknown };
  code?: unknown;
  cause?: unknown;
  name?: string;
}

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);
/**
 * 403s that mean "wait", not "no": the Calendar usage limits (quotaExceeded,
 * hours to clear) and the project's daily quota. Waited out with long delays.
 */
const QUOTA_WAIT_MS: Record<string, number> = { quotaExceeded: 15 * 60_000, dailyLimitExceeded: 60 * 60_000 };
/** OAuth token endpoint errors that only an administrator can fix. */
const AUTH_ERRORS = new Set(["invalid_grant", "invalid_client", "unauthorized_client"]);

/** How the account signs in: a user's refresh token, or a service account acting as a Workspace user. */
export type GoogleSignIn = "refresh-token" | "service-account";

/** What an administrator does about a refusal of the token endpoint; Google's own description (never a secret) is quoted. */
function authRefusal(operation: string, error: string, description: string, signIn: GoogleSignIn): string {
  const said = `${error}${description ? `: ${description.slice(0, 200)}` : ""}`;
  if (signIn === "service-account") {
    return `${operation}: Google refused the service account (${said}). Check that the Workspace administrator granted it domain-wide delegation for the calendar scope, and that the operator's workspaceEmail is a user of the domain`;
  }
  if (error === "invalid_grant") {
    return `${operation}: Google refused the refresh token (${said}): it was revoked, or it expired. An OAuth app in "Testing" publishing status gets refresh tokens that expire after 7 days: publish it ("In production") in the Google Cloud Console. Authorize the account again`;
  }
  return `${operation}: Google refused the OAuth client (${said}): check the client id and secret in the settings, then authorize the account again`;
}

export function httpStatus(error: unknown): number | undefined {
  return (error as HttpFailure | undefined)?.response?.status;
}

/**
 * Turns a failure of the client library into one of the normalized adapter
 * errors. Messages are built from the status, Google's reason and Google's
 * message only, never from the request (which carries tokens and secrets).
 */
export function toAdapterError(error: unknown, operation: string, signIn: GoogleSignIn = "refresh-token"): AdapterError {
  if (error instanceof AdapterError) return error;
  const failure = (error ?? {}) as HttpFailure;
  const response = failure.response;
  if (!response) {
    // No HTTP answer: connection refused or reset, timeout, DNS. Worth another try.
    const code = networkCode(failure);
    if (code || failure.name === "GaxiosError") return new Transient(`${operation}: no answer from Google${code ? ` (${code})` : ""}`);
    return new Permanent(`${operation}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { status } = response;
  const data = (response.data ?? {}) as { error?: unknown; error_description?: unknown };
  if (typeof data.error === "string") {
    // The token endpoint answers {error: "invalid_grant", error_description}.
    if (AUTH_ERRORS.has(data.error)) {
      const description = typeof data.error_description === "string" ? data.error_description : "";
      return new AuthRevoked(authRefusal(operation, data.error, description, signIn), status);
    }
    return status >= 500 || status === 429
      ? new Transient(`${operation}: the token endpoint answered ${status}`, status)
      : new Permanent(`${operation}: the token endpoint answered ${status} ${data.error}`, status);
  }
  const detail = (data.error ?? {}) as { message?: string; errors?: { reason?: string }[] };
  const reason = detail.errors?.[0]?.reason ?? "";
  const message = `${operation}: Google answered ${status}${reason ? ` ${reason}` : ""}${detail.message ? `: ${detail.message.slice(0, 200)}` : ""}`;
  if (status === 429 || (status === 403 && RATE_LIMIT_REASONS.has(reason))) {
    return new RateLimited(message, status, retryAfterMs(response.headers));
  }
  if (status === 403 && reason in QUOTA_WAIT_MS) {
    return new RateLimited(`${message} (Google's quota is used up; waiting)`, status, retryAfterMs(response.headers) ?? QUOTA_WAIT_MS[reason]);
  }
  if (status === 403) return new PermissionDenied(message, status);
  if (status === 401) return new AuthRevoked(message, status);
  if (status === 404) return new NotFound(message, status);
  if (status === 409) return new AlreadyExists(message, status);
  if (status === 410) return reason === "deleted" ? new NotFound(message, status) : new SyncTokenExpired(message, status);
  if (status === 412) return new PreconditionFailed(message, status);
  if (status === 408 || status >= 500) return new Transient(message, status);
  return new Permanent(message, status);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
function retryAfterMs(headers: unknown): number | undefined {
  // gaxios gives a fetch Headers (possibly of another realm, so no instanceof); be lenient.
  const value =
    typeof (headers as Headers | undefined)?.get === "function"
      ? (headers as Headers).get("retry-after")
      : (headers as Record<string, string | undefined> | undefined)?.["retry-after"];
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A system error code (ECONNRESET, TimeoutError, ...) anywhere in the cause chain. */
function networkCode(failure: HttpFailure): string | undefined {
  for (let link: HttpFailure | undefined = failure, depth = 0; link && depth < 5; link = link.cause as HttpFailure, depth++) {
    if (typeof link.code === "string") return link.code;
    if (link.name === "TimeoutError" || link.name === "AbortError") return link.name;
  }
  return undefined;
}
