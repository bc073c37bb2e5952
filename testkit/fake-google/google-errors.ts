/** An error answer in Google's JSON shape: `{error: {code, message, errors: [{domain, reason, message}]}}`. */
export class GoogleApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly domain = "global",
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): object {
    return {
      error: {
        code: this.status,
        message: this.message,
        errors: [{ domain: this.domain, reason: this.reason, message: this.message }],
      },
    };
  }
}

/** Google's usual reason and message per status, for injected faults that name only a status. */
export function defaultErrorFor(status: number): GoogleApiError {
  switch (status) {
    case 400:
      return new GoogleApiError(400, "badRequest", "Bad Request");
    case 401:
      return new GoogleApiError(401, "authError", "Invalid Credentials");
    case 403:
      return new GoogleApiError(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");
    case 404:
      return notFound();
    case 409:
      return new GoogleApiError(409, "duplicate", "The requested identifier already exists.");
    case 410:
      return fullSyncRequired();
    case 412:
      return new GoogleApiError(412, "conditionNotMet", "Precondition Failed");
    case 429:
      return new GoogleApiError(429, "rateLimitExceeded", "Too Many Requests", "usageLimits");
    case 500:
      return new GoogleApiError(500, "backendError", "Backend Error");
    case 503:
      return new GoogleApiError(503, "backendError", "The service is currently unavailable.");
    default:
      return new GoogleApiError(status, status >= 500 ? "backendError" : "invalid", `HTTP ${status}`);
  }
}

export const notFound = () => new GoogleApiError(404, "notFound", "Not Found");
export const invalid = (message: string) => new GoogleApiError(400, "invalid", message);
export const fullSyncRequired = () =>
  new GoogleApiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", "calendar");
