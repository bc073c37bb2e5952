// What went wrong, told apart: faults of the whole binding (R16: `error` or
// `backoff`) and faults of one item (R20: recorded, the pass goes on), each
// described the way an administrator can act on.
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
} from "../adapters/types.js";
import { UnusableEvent } from "./event-render.js";

export type ConfigurationCode =
  | "missing_credentials"
  | "secrets_unreadable"
  | "calendar_clash"
  | "calendar_missing"
  | "calendar_read_only"
  | "binding_removed"
  | "permission";

/** A fault an administrator must fix; the actor waits in `error` until then. */
export class ConfigurationError extends Error {
  constructor(
    readonly code: ConfigurationCode,
    message: string,
  ) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** Faults of the binding that retrying will not mend: the actor waits in `error`. */
export function isPermanentFault(error: unknown): boolean {
  if (error instanceof SyncTokenExpired) return false;
  return error instanceof ConfigurationError || (error instanceof AdapterError && !error.retryable);
}

/**
 * How one item's failure is handled: `race` (the event changed under us: read
 * it again), `gone` (the event vanished: a deletion in the calendar), `item`
 * (recorded against the item, the pass goes on), or `binding` (the whole
 * binding stops: passing faults back off, the rest wait in error).
 */
export function itemFaultKind(error: unknown): "race" | "gone" | "item" | "binding" {
  if (error instanceof PreconditionFailed) return "race";
  if (error instanceof NotFound) return "gone";
  if (error instanceof UnusableEvent || error instanceof AlreadyExists || error instanceof Permanent || error instanceof PermissionDenied)
    return "item";
  if (isDataError(error)) return "item";
  return "binding";
}

/** PostgreSQL refused one item's data (SQLSTATE class 22, or a constraint of class 23): that item's fault, not the database's. */
function isDataError(error: unknown): boolean {
  for (let e = error; e && typeof e === "object"; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^2[23][0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

/** An error's message without what a database driver adds (the query and its parameters, which may hold task data). */
export function safeMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Failed query:[\s\S]*$/, "a database query failed").slice(0, 500);
}

export function describeFault(error: unknown): { code: string; message: string } {
  if (error instanceof ConfigurationError) return { code: error.code, message: error.message };
  if (error instanceof AuthRevoked) {
    // The provider's message says what it refused and what to do about it (never a secret).
    return {
      code: "auth_revoked",
      message: `The calendar account refused its credentials (authorization revoked or expired, or a wrong password): ${error.message}.`,
    };
  }
  if (error instanceof PermissionDenied) {
    return {
      code: "permission",
      message: `The calendar refused the account: ${error.message}. Check that the account may change events in this calendar (owner, or "make changes to events").`,
    };
  }
  if (error instanceof RateLimited) {
    const wait = error.retryAfterMs ? ` Waiting ${Math.ceil(error.retryAfterMs / 1000)} s before trying again.` : "";
    return { code: "rate_limited", message: `The calendar provider is limiting requests: ${error.message}.${wait}` };
  }
  if (error instanceof NotFound) {
    return {
      code: "not_found",
      message: `The calendar server answered "not found": ${error.message}. Check the account's address and that the calendar still exists.`,
    };
  }
  if (error instanceof Permanent) return { code: "provider_refused", message: `The calendar refused the request: ${error.message}.` };
  if (error instanceof Transient) return { code: "unavailable", message: `The calendar did not answer properly: ${error.message}. Retrying.` };
  if (error instanceof AdapterError) return { code: error.code, message: error.message };
  return { code: "internal", message: safeMessage(error) };
}

/** The code and message an item's failure is recorded with. */
export function describeItemFault(error: unknown): { code: string; message: string } {
  if (error instanceof UnusableEvent) return { code: "unusable_event", message: error.message };
  if (error instanceof AlreadyExists) return { code: "id_taken", message: error.message };
  if (error instanceof PermissionDenied) return { code: "permission", message: error.message };
  if (error instanceof Permanent) return { code: "refused", message: error.message };
  if (isDataError(error)) return { code: "data", message: `the database refused the item's data: ${safeMessage(error)}` };
  return describeFault(error);
}
