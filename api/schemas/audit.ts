// GET /api/audit: configuration changes, newest first, a page at a time.
import { z } from "@hono/zod-openapi";
import { auditResources } from "../../db/enums.js";

const CURSOR_PREFIX = "a";

/** The cursor of the page after entry `id`: opaque to clients. */
export const encodeAuditCursor = (id: number) => Buffer.from(`${CURSOR_PREFIX}${id}`).toString("base64url");

/** The entry id a cursor of ours names, or undefined for anything else. */
export function decodeAuditCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^a[1-9]\d{0,15}$/.test(text)) return undefined;
  const id = Number(text.slice(CURSOR_PREFIX.length));
  return Number.isSafeInteger(id) ? id : undefined;
}

export const AuditQuerySchema = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(500)
    .optional()
    .openapi({ param: { name: "limit", in: "query" }, description: "Page size, default 100, at most 500" }),
  cursor: z
    .string()
    .max(100)
    .refine((cursor) => decodeAuditCursor(cursor) !== undefined, { error: "not a cursor this API gave out" })
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "nextCursor of the previous page" }),
});

export const AuditEntrySchema = z
  .object({
    at: z.string().openapi({ example: "2026-12-01T09:00:00.000Z" }),
    tokenKind: z.enum(["admin", "readonly"]).openapi({ description: "Which bearer token made the change" }),
    method: z.string().openapi({ example: "PATCH" }),
    path: z.string().openapi({ example: "/api/settings" }),
    resource: z.enum(auditResources),
    resourceId: z
      .string()
      .nullable()
      .openapi({ description: "The event type's or operator's id (bindings: the operator's; provider-settings: the provider's); null for settings" }),
    change: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({
        description: 'The fields written as sent, secrets as "***" (null when cleared); deletions: {deleted: true, name}',
        example: { googleClientSecret: "***", monthsBack: 6 },
      }),
  })
  .openapi("AuditEntry");

export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().optional() }).openapi("AuditPage");
