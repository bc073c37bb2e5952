// Every successful configuration change through the API leaves an audit
// entry: who (which token), what request, which resource, and the fields
// written, with secrets masked (R2: the log of changes must not become a
// store of secrets).
import type { Context } from "hono";
import type { Db } from "../db/database.js";
import type { auditResources } from "../db/enums.js";
import { recordAudit } from "../db/queries/audit.js";
import { isSecretName } from "../secret-names.js";
import type { AppEnv } from "./deps.js";

export type AuditResource = (typeof auditResources)[number];

const MASK = "***";

/** `value` with every secret-named field masked; a cleared secret (null) shows as null, a flag (useConfigToken) as itself. */
function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [key, isSecretName(key) && item !== null && typeof item !== "boolean" ? MASK : masked(item)]),
  );
}

/** Records the change the request `c` made; `db` is the change's transaction where it has one. */
export function audit(c: Context<AppEnv>, db: Db, resource: AuditResource, resourceId: string | null, change: Record<string, unknown> | null) {
  return recordAudit(db, {
    tokenKind: c.var.tokenKind,
    method: c.req.method,
    path: c.req.path,
    resource,
    resourceId,
    change: change === null ? null : (masked(change) as Record<string, unknown>),
  });
}
