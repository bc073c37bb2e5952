// HTTP answers and network failures of a CalDAV server, as the adapter's
// error family. Messages name the method and path only: never the
// credentials, never a URL that could carry them.
import {
  AdapterError,
  AlreadyExists,
  AuthRevoked,
  NotFound,
  Permanent,
  PreconditionFailed,
  RateLimited,
  SyncTokenExpired,
  Transient,
} from "../types.js";

/** Seconds or an HTTP date, as Retry-After carries them. */
function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The error for a non-success answer; `body` is the answer text (for DAV:error preconditions). */
export function errorForResponse(what: string, status: number, headers: Headers, body: string): AdapterError {
  const message = `CalDAV ${what} answered ${status}`;
  const retryAfterMs = parseRetryAfter(headers.get("retry-after"));
  // RFC 6578 §3.2: an unknown or expired token fails DAV:valid-sync-token (403, some servers 409).
  if ((status === 403 || status === 409) && /valid-sync-token/.test(body)) {
    return new SyncTokenExpired(`${message}: the sync token is no longer valid`, status);
  }
  if (status === 401) return new AuthRevoked(`${message}: the server rejected the username or password`, status);
  if (status === 403) return new Permanent(`${message}: the account may not access this calendar`, status);
  if (status === 404 || status === 410) return new NotFound(message, status);
  if (status === 412) return new PreconditionFailed(`${message}: the event changed since it was read`, status);
  if (status === 409 && /no-uid-conflict/.test(body)) {
    return new AlreadyExists(`${message}: another resource of the calendar has that UID`, status);
  }
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) {
    return new RateLimited(message, status, retryAfterMs);
  }
  if (status === 408 || status >= 500) return new Transient(message, status);
  return new Permanent(message, status);
}

/** A fetch that did not get an answer: timeouts and network faults are worth a retry. */
export function errorForFailure(what: string, cause: unknown): AdapterError {
  if (cause instanceof AdapterError) return cause;
  const name = cause instanceof Error ? cause.name : "";
  if (name === "TimeoutError" || name === "AbortError") return new Transient(`CalDAV ${what} timed out`);
  const detail = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : "network failure";
  return new Transient(`CalDAV ${what} failed: ${detail}`);
}
