// The audit log's SQL: one row per configuration change, read newest first.
import { desc, lt } from "drizzle-orm";
import type { Db } from "../database.js";
import { auditLog } from "../schema.js";

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditRecord = Omit<typeof auditLog.$inferInsert, "id" | "at">;

/** Writes one entry; give it the transaction of the change it records, where there is one. */
export async function recordAudit(db: Db, record: AuditRecord): Promise<void> {
  await db.insert(auditLog).values(record);
}

/** Up to `limit` entries older than entry `beforeId` (or the newest), newest first, and whether more follow. */
export async function auditPage(db: Db, limit: number, beforeId?: number): Promise<{ rows: AuditRow[]; more: boolean }> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(beforeId === undefined ? undefined : lt(auditLog.id, beforeId))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
