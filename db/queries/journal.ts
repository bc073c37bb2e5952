// What each binding did, newest first.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../database.js";
import type { Direction } from "../enums.js";
import { journal } from "../schema.js";

export interface JournalEntry {
  direction: Direction;
  action: string;
  taskId?: string | null;
  remoteId?: string | null;
  outcome: string;
  detail?: string | null;
}

export interface JournalView {
  at: string;
  direction: string;
  action: string;
  taskId: string | null;
  remoteId: string | null;
  outcome: string;
  detail: string | null;
}

export async function journalOf(db: Db, bindingId: string, limit: number): Promise<JournalView[]> {
  const rows = await db.select().from(journal).where(eq(journal.bindingId, bindingId)).orderBy(desc(journal.id)).limit(limit);
  return rows.map((row) => ({
    at: row.at.toISOString(),
    direction: row.direction,
    action: row.action,
    taskId: row.taskId,
    remoteId: row.remoteId,
    outcome: row.outcome,
    detail: row.detail,
  }));
}
