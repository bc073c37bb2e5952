// Pieces every resource's routes share: the error shape, id parameters and
// the declared error responses, so the document lists what each route can answer.
import { z } from "@hono/zod-openapi";
import { IANAZone } from "luxon";

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_input" }),
      message: z.string().openapi({ example: "invalid body: subject: Too big: expected string to have <=500 characters" }),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "The offending fields, when the error is about input" }),
    }),
  })
  .openapi("Error");

export const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: "0b5e7d8a-4a57-4c1e-9d1e-2f1f0c2a9b11" }),
});

const errorDescriptions = {
  400: "Invalid input: wrong types, unknown fields, malformed JSON (the field is named)",
  401: "Missing or wrong bearer token (or no live session)",
  403: "The read-only token on a write (it may only GET), or a session's change without its X-CSRF-Token",
  404: "Unknown id",
  409: "Clash with existing data",
  412: "If-Match names a version the resource no longer has",
  413: "Body too large",
  415: "Body is not application/json",
  422: "Valid JSON that names something missing or not allowed (the field is named)",
  429: "Too many failed sign-ins from this address: wait Retry-After seconds",
  503: "The sync engine is not running in this process",
} as const;

type ErrorStatus = keyof typeof errorDescriptions;

interface ErrorResponse {
  description: string;
  headers?: Record<string, { description: string; schema: { type: "integer" } }>;
  content: { "application/json": { schema: typeof ErrorSchema } };
}

/** One declared error response; 429 says when to try again. */
export function errorResponse(status: ErrorStatus): ErrorResponse {
  return {
    description: errorDescriptions[status],
    ...(status === 429
      ? { headers: { "Retry-After": { description: "Seconds until the address may sign in again", schema: { type: "integer" } } } }
      : {}),
    content: { "application/json": { schema: ErrorSchema } },
  };
}

/** Declared error responses; 401 and 429 (the bearer check and its throttle) are on every /api route. */
export function errors(...statuses: ErrorStatus[]) {
  const all = [401, 429, ...statuses] as ErrorStatus[];
  return Object.fromEntries(all.map((status) => [status, errorResponse(status)])) as Record<ErrorStatus, ErrorResponse>;
}

/** A required JSON body. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** The admin's ways in: the bearer token, or the cookie of a session signed in with it (POST /session). */
export const security: Record<string, string[]>[] = [{ bearerAuth: [] }, { sessionCookie: [] }];

// PostgreSQL text cannot hold NUL characters.
const noNul = [(value: string) => !value.includes("\u0000"), { error: "must not contain NUL characters" }] as const;

/** A one-line text with sane limits; `min` counts after trimming. */
export const text = (max: number, min = 0) =>
  z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine(...noNul);

/** Free text kept as typed (descriptions, feature values). */
export const longText = (max: number) =>
  z
    .string()
    .max(max)
    .refine(...noNul);

/**
 * A feature's name. Feature values are looked up by name in plain objects,
 * where `__proto__` names the prototype: as a key it would be dropped
 * silently (or worse), so it is refused.
 */
export const featureName = text(100, 1).refine((name) => name !== "__proto__", { error: "__proto__ cannot be a feature name" });

/** An IANA zone name such as Europe/Warsaw; offsets and abbreviations are refused. */
export const ianaZone = z
  .string()
  .max(64)
  .refine((zone) => /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) && IANAZone.isValidZone(zone), {
    error: "must be an IANA time zone such as Europe/Warsaw",
  })
  .openapi({ example: "Europe/Warsaw" });
