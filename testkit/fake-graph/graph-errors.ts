import { randomUUID } from "node:crypto";

/**
 * An error answer in Graph's JSON shape: `{error: {code, message, innerError: {date, request-id, client-request-id}}}`
 * ("Microsoft Graph error responses and resource types"). The innerError ids are filled in when the answer is sent.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After or Location. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(requestId: string, clientRequestId: string): object {
    return {
      error: {
        code: this.code,
        message: this.message,
        innerError: { date: new Date().toISOString().slice(0, 19), "request-id": requestId, "client-request-id": clientRequestId },
      },
    };
  }
}

/** Graph's usual code and message per status, for injected faults that name only a status. */
export function defaultErrorFor(status: number): GraphError {
  switch (status) {
    case 400:
      return badRequest("ErrorInvalidRequest", "Your request can't be completed.");
    case 401:
      return invalidToken("Access token has expired or is not yet valid.");
    case 403:
      return new GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
    case 404:
      return itemNotFound();
    case 409:
      return new GraphError(
        409,
        "ErrorIrresolvableConflict",
        "The change key passed in the request does not match the current change key for the item.",
      );
    case 410:
      return syncStateNotFound();
    case 412:
      return new GraphError(
        412,
        "ErrorIrresolvableConflict",
        "The change key passed in the request does not match the current change key for the item.",
      );
    case 429:
      return new GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.");
    case 500:
      return new GraphError(500, "ErrorInternalServerError", "An internal server error occurred. The operation failed.");
    case 503:
      return new GraphError(503, "ServiceUnavailable", "The service is temporarily unavailable. Please retry later.");
    case 504:
      return new GraphError(504, "UnknownError", "The request timed out.");
    default:
      return new GraphError(status, status >= 500 ? "UnknownError" : "ErrorInvalidRequest", `HTTP ${status}`);
  }
}

export const badRequest = (code: string, message: string) => new GraphError(400, code, message);
export const invalidRequest = (message: string) => badRequest("ErrorInvalidRequest", message);
export const itemNotFound = () => new GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
export const invalidToken = (message: string) =>
  new GraphError(401, "InvalidAuthenticationToken", message, {
    "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
  });
export const accessDenied = () => new GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");
/** What the docs name for an expired delta token ("Use delta query…", Token duration; "Error codes": syncStateNotFound). */
export const syncStateNotFound = () =>
  new GraphError(410, "syncStateNotFound", "The sync state generation is not found. The delta token is expired and data must be synchronized again.");
/** The fake models what it was built for; anything else fails loudly instead of answering something plausible. */
export const notModelled = (what: string) => new GraphError(501, "NotImplemented", `The fake Graph server does not model ${what}.`);

export const newRequestId = () => randomUUID();

/** An error of the Microsoft identity platform's token endpoint: `{error, error_description, error_codes, …}`. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    /** The AADSTS number, e.g. 70000. */
    readonly aadsts: number,
    readonly description: string,
  ) {
    super(`${error}: AADSTS${aadsts}`);
  }

  body(): object {
    const timestamp = new Date().toISOString().replace("T", " ").slice(0, 19);
    const traceId = randomUUID();
    const correlationId = randomUUID();
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}Z`,
      error_codes: [this.aadsts],
      timestamp: `${timestamp}Z`,
      trace_id: traceId,
      correlation_id: correlationId,
    };
  }
}
