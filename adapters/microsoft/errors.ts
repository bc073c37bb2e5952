// Microsoft Graph and identity platform answers as the normalized adapter
// errors ("Microsoft Graph error responses and resource types", "Microsoft
// Graph throttling guidance", "Microsoft Entra authentication and
// authorization error codes"). Messages hold the status, Graph's code and the
// start of its message: never the request, which carries the tokens.
import {
  type AdapterError,
  AlreadyExists,
  AuthRevoked,
  NotFound,
  Permanent,
  PermissionDenied,
  PreconditionFailed,
  RateLimited,
  SyncTokenExpired,
  Transient,
} from "../public.js";

/** The token endpoint's errors only an administrator can fix: consent withdrawn or expired, a wrong or expired client secret. */
const AUTH_ERRORS = new Set(["invalid_grant", "invalid_client", "unauthorized_client", "interaction_required", "consent_required"]);

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A Graph answer that is not a success. */
export function graphError(operation: string, status: number, body: unknown, retryAfter: string | null): AdapterError {
  const detail = ((body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof detail.code === "string" ? detail.code : "";
  const text = typeof detail.message === "string" ? `: ${detail.message.slice(0, 200)}` : "";
  const message = `${operation}: Microsoft Graph answered ${status}${code ? ` ${code}` : ""}${text}`;
  const wait = retryAfterMs(retryAfter);
  // 429 is Graph's throttling; a 503 with Retry-After is the service asking to wait as well.
  if (status === 429 || (status === 503 && wait !== undefined)) return new RateLimited(message, status, wait);
  if (status === 401) return new AuthRevoked(`${message}; authorize the Microsoft 365 account again`, status);
  if (status === 403) return new PermissionDenied(message, status);
  if (status === 404) return new NotFound(message, status);
  if (status === 410) return new SyncTokenExpired(message, status);
  // A stale If-Match: 412, or 409 ErrorIrresolvableConflict ("the change key … does not match"). Both mean: read again.
  if (status === 412 || (status === 409 && code === "ErrorIrresolvableConflict")) return new PreconditionFailed(message, status);
  if (status === 409) return new AlreadyExists(message, status);
  // An id Graph cannot read names no item it has.
  if (status === 400 && code === "ErrorInvalidIdMalformed") return new NotFound(message, status);
  if (status === 408 || status >= 500) return new Transient(message, status);
  return new Permanent(message, status);
}

/** An answer of the identity platform's token endpoint that is not a success. */
export function tokenError(status: number, body: unknown): AdapterError {
  const answer = (body ?? {}) as { error?: unknown; error_codes?: unknown };
  const error = typeof answer.error === "string" ? answer.error : "";
  const aadsts = Array.isArray(answer.error_codes) && typeof answer.error_codes[0] === "number" ? ` AADSTS${answer.error_codes[0]}` : "";
  const message = `the Microsoft identity platform refused the token request (${status} ${error}${aadsts})`;
  if (AUTH_ERRORS.has(error)) {
    return new AuthRevoked(`${message}: authorize the Microsoft 365 account again, or check the app's client id and secret`, status);
  }
  return status === 429 || status >= 500 ? new Transient(message, status) : new Permanent(message, status);
}

/** No HTTP answer at all: connection refused or reset, DNS, a timeout. Worth another try. */
export function networkError(operation: string, error: unknown): AdapterError {
  for (let link = error as { name?: string; code?: unknown; cause?: unknown } | undefined, depth = 0; link && depth < 5; depth++) {
    if (link.name === "TimeoutError" || link.name === "AbortError") return new Transient(`${operation}: Microsoft Graph did not answer in time`);
    if (typeof link.code === "string") return new Transient(`${operation}: no answer from Microsoft Graph (${link.code})`);
    link = link.cause as typeof link;
  }
  return new Transient(`${operation}: no answer from Microsoft Graph`);
}
