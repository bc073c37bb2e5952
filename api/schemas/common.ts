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
  401: "Missing or wrong bearer token",
  404: "Unknown id",
  409: "Clash with existing data",
  413: "Body too large",
  415: "Body is not application/json",
  422: "Valid JSON that names something missing or not allowed (the field is named)",
  503: "The sync engine is not running in this process",
} as const;

type ErrorStatus = keyof typeof errorDescriptions;

/** Declared error responses; 401 is on every /api route. */
export function errors(...statuses: ErrorStatus[]) {
  const all = [401, ...statuses] as ErrorStatus[];
  return Object.fromEntries(
    all.map((status) => [
      status,
      { description: errorDescriptions[status], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  ) as Record<ErrorStatus, { description: string; content: { "application/json": { schema: typeof ErrorSchema } } }>;
}

/** A required JSON body. */
export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

export const security = [{ bearerAuth: [] }];

// PostgreSQL text cannot hold NUL characters.
const noNul = [(value: string) => !value.includes("\u0000"), { error: "must not contain NUL characters" }] as const;

/** A one-line text with sane limits; `min` counts after trimming. */
export const text = (max: number, min = 0) =>
  z.string().trim().min(min).max(max).refine(...noNul);

/** Free text kept as typed (descriptions, feature values). */
export const longText = (max: number) => z.string().max(max).refine(...noNul);

/** An IANA zone name such as Europe/Warsaw; offsets and abbreviations are refused. */
export const ianaZone = z
  .string()
  .max(64)
  .refine((zone) => /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(zone) && IANAZone.isValidZone(zone), {
    error: "must be an IANA time zone such as Europe/Warsaw",
  })
  .openapi({ example: "Europe/Warsaw" });
