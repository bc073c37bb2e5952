// HTTP answers and network failures of a CalDAV server, as the adapter's
// error family. Messages name the method and path only: never the
// credentials, never a URL that could carry them.
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
  if (status === 403) return new PermissionDenied(`${message}: the account may not access this calendar`, status);
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

/**
 * The kind of network failure, from the error codes Node and undici put on
 * `cause`. Only the kind is reported: the raw text names addresses, ports and
 * errno strings of our network, which an administrator reading lastError (or
 * anyone reading the log) does not need.
 */
function failureKind(cause: unknown): string {
  for (let e = cause, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = String((e as NodeJS.ErrnoException).code ?? "");
    if (code === "ECONNREFUSED") return "connection refused";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return "host not found";
    if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET" || code === "ECONNABORTED") return "connection reset";
    if (code === "ETIMEDOUT" || (code.startsWith("UND_ERR_") && code.endsWith("_TIMEOUT"))) return "timed out";
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return "host unreachable";
    if (/^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$)|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)_/.test(code)) return "TLS failure (certificate or protocol)";
  }
  return "network failure";
}

/** A fetch that did not get an answer: timeouts and network faults are worth a retry. */
export function errorForFailure(what: string, cause: unknown): AdapterError {
  if (cause instanceof AdapterError) return cause;
  const name = cause instanceof Error ? cause.name : "";
  if (name === "TimeoutError" || name === "AbortError") return new Transient(`CalDAV ${what} timed out`);
  return new Transient(`CalDAV ${what} failed: ${failureKind(cause)}`);
}
