// What each binding did, newest first.
import { and, desc, eq } from "drizzle-orm";
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

/** Which entries to show, and from where: the console pages through them with filters. */
export interface JournalFilter {
  direction?: Direction;
  outcome?: string;
  /** Entries to skip, newest first. */
  offset?: number;
}

export async function journalOf(db: Db, bindingId: string, limit: number, filter: JournalFilter = {}): Promise<JournalView[]> {
  const where = and(
    eq(journal.bindingId, bindingId),
    filter.direction ? eq(journal.direction, filter.direction) : undefined,
    filter.outcome ? eq(journal.outcome, filter.outcome) : undefined,
  );
  const rows = await db
    .select()
    .from(journal)
    .where(where)
    .orderBy(desc(journal.id))
    .limit(limit)
    .offset(filter.offset ?? 0);
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
