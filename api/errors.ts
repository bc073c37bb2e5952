// The API's one error family and its one mapping to HTTP. Handlers throw; the
// app's onError and the validation hook turn everything into
// {"error": {"code", "message", "details"?}}.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import type { ZodError } from "zod";
import { driverErrorOf, summarizeDatabaseError } from "../db/errors.js";

const statusOf = {
  invalid_input: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_reference: 422,
  type_not_synchronized: 422,
  too_many_attempts: 429,
  database_unavailable: 503,
  engine_unavailable: 503,
  not_ready: 503,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof statusOf;

/** One offending field: `path` in dotted form (`display.fields[2]`, `[0].eventTypeId`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Sent with the answer (Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): ContentfulStatusCode {
    return statusOf[this.code];
  }
}

export const notFound = (what: string, id: string) => new ApiError("not_found", `${what} ${id} does not exist`);

/** A body field names something that does not exist (422, field named). */
export const invalidReference = (path: string, what: string, id: string) =>
  new ApiError("invalid_reference", `${path}: ${what} ${id} does not exist`, [
    { path, message: `${what} ${id} does not exist` },
  ] satisfies FieldIssue[]);

export function errorBody(error: ApiError) {
  return { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
}

export function respond(c: Context, error: ApiError) {
  return c.json(errorBody(error), error.status, error.headers);
}

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, "");
}

/** Zod issues as field issues; unknown keys are each named as their own path. */
export function fieldIssues(error: ZodError, root: string): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: pathText([...issue.path, key]) || root, message: "unknown field" }));
    }
    return [{ path: pathText(issue.path) || root, message: issue.message }];
  });
}

export function invalidInput(issues: FieldIssue[], where: string): ApiError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new ApiError("invalid_input", `invalid ${where}: ${first.path}: ${first.message}${more}`, issues);
}

const whereOf: Record<string, string> = { json: "body", query: "query", param: "path", header: "header" };

/**
 * OpenAPIHono's defaultHook. A path parameter that fails its schema (not a UUID)
 * cannot name anything that exists, so it is a 404 like any unknown id.
 */
export function validationHook(result: { target: string; success: boolean; error?: ZodError }, c: Context) {
  if (result.success || !result.error) return;
  if (result.target === "param") {
    const name = String(result.error.issues[0].path[0] ?? "id");
    const value = c.req.param(name) ?? "";
    return respond(c, new ApiError("not_found", `${name} ${JSON.stringify(value)} does not exist`, [{ path: name, message: "does not exist" }]));
  }
  const where = whereOf[result.target] ?? result.target;
  return respond(c, invalidInput(fieldIssues(result.error, where), where));
}

/** Constraint names to the API field they guard, for messages that name the field. */
const constraintFields: Record<string, string> = {
  event_types_name_key: "name",
  bindings_operator_type_key: "eventTypeId",
};

/** Constraint violations that slip past the handlers' checks (races) are clashes, never 500s. */
export function fromDatabase(error: unknown): ApiError | undefined {
  const pg = driverErrorOf(error);
  if (!pg) return undefined;
  const constraint = pg.constraint ?? pg.constraint_name ?? "";
  const field = constraintFields[constraint];
  switch (pg.code) {
    case "23505":
      return new ApiError(
        "conflict",
        field ? `${field}: already taken` : "conflicts with an existing record",
        field ? [{ path: field, message: "already taken" }] : undefined,
      );
    case "23503":
      return new ApiError("conflict", "still referenced by other records, or references a record that is gone");
    // Text PostgreSQL cannot store (NUL characters) or read: the input's fault, not the server's.
    case "22021":
    case "22P05":
    case "22P02":
      return new ApiError("invalid_input", "invalid body: contains characters or values PostgreSQL cannot store (such as NUL)");
    case "40001":
    case "40P01":
      return new ApiError("conflict", "concurrent change, try again");
    default:
      return undefined;
  }
}

/** app.onError: every thrown thing becomes the one error shape. */
export function errorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof ApiError) return respond(c, error);
    if (error instanceof HTTPException) {
      if (error.status === 400) return respond(c, new ApiError("invalid_json", "body: not valid JSON"));
      if (error.status === 413) return respond(c, new ApiError("payload_too_large", "request body is too large"));
      if (error.status === 415) return respond(c, new ApiError("unsupported_media_type", "send the body as application/json"));
      return error.getResponse();
    }
    const mapped = fromDatabase(error);
    if (mapped) return respond(c, mapped);
    // A database error is logged as its summary: its query and parameters (task texts, sealed secrets) stay out.
    const database = summarizeDatabaseError(error);
    logger.error({ ...(database ? { database } : { err: error }), method: c.req.method, path: c.req.path }, "unhandled error");
    return respond(c, new ApiError("internal", "internal error"));
  };
}
