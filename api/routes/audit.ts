// GET /api/audit: who changed the configuration, when and how (secrets masked).
import { createRoute, type z } from "@hono/zod-openapi";
import { auditPage } from "../../db/queries/audit.js";
import { createRouter } from "../router.js";
import { type AuditEntrySchema, AuditPageSchema, AuditQuerySchema, decodeAuditCursor, encodeAuditCursor } from "../schemas/audit.js";
import { errors, jsonResponse, security } from "../schemas/common.js";

type AuditEntry = z.infer<typeof AuditEntrySchema>;

export const auditRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["audit"],
    summary: "Configuration changes (settings, task types, operators, bindings), newest first",
    security,
    request: { query: AuditQuerySchema },
    responses: { 200: jsonResponse(AuditPageSchema, "One page; nextCursor when there is more"), ...errors(400) },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const { rows, more } = await auditPage(c.var.db, query.limit ?? 100, query.cursor === undefined ? undefined : decodeAuditCursor(query.cursor));
    const items = rows.map((row) => ({
      at: row.at.toISOString(),
      tokenKind: row.tokenKind as AuditEntry["tokenKind"],
      method: row.method,
      path: row.path,
      resource: row.resource as AuditEntry["resource"],
      resourceId: row.resourceId,
      change: row.change,
    }));
    const last = rows[rows.length - 1];
    return c.json({ items, ...(more ? { nextCursor: encodeAuditCursor(last.id) } : {}) }, 200);
  },
);
