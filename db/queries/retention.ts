// What the retention job deletes, a small batch per statement so that no
// delete holds locks or fills the WAL for long on a large installation.
import { and, asc, eq, inArray, isNotNull, lt, notExists, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { journal, links, syncFailures, tasks } from "../schema.js";

/** Journal entries written before `before`, oldest first; returns how many went. */
export async function purgeJournal(db: Db, before: Date, batch: number): Promise<number> {
  const oldest = db.select({ id: journal.id }).from(journal).where(lt(journal.at, before)).orderBy(asc(journal.id)).limit(batch);
  return (await db.delete(journal).where(inArray(journal.id, oldest)).returning({ id: journal.id })).length;
}

/**
 * Tombstones deleted before `before` whose deletion every calendar has seen
 * (no binding links them any more). Nothing can need them again, and they
 * no longer hold their operator and type (which can then be deleted).
 */
export async function purgeTombstones(db: Db, before: Date, batch: number): Promise<number> {
  return db.transaction(async (tx) => {
    // The tombstone trigger turns deletes into tombstones unless told this is the purge (migration 0001).
    await tx.execute(sql`select set_config('taskcal.allow_purge', 'on', true)`);
    const synced = tx
      .select({ id: tasks.id })
      .from(tasks)
      .where(
        and(
          eq(tasks.deleted, true),
          lt(tasks.deletedAt, before),
          notExists(tx.select({ one: sql`1` }).from(links).where(eq(links.taskId, tasks.id))),
        ),
      )
      .limit(batch);
    return (await tx.delete(tasks).where(inArray(tasks.id, synced)).returning({ id: tasks.id })).length;
  });
}

/** Failures resolved before `before`: the journal keeps their story. */
export async function purgeResolvedFailures(db: Db, before: Date, batch: number): Promise<number> {
  const resolved = db
    .select({ bindingId: syncFailures.bindingId, item: syncFailures.item })
    .from(syncFailures)
    .where(and(isNotNull(syncFailures.resolvedAt), lt(syncFailures.resolvedAt, before)))
    .limit(batch);
  const gone = await db
    .delete(syncFailures)
    .where(sql`(${syncFailures.bindingId}, ${syncFailures.item}) in ${resolved}`)
    .returning({ item: syncFailures.item });
  return gone.length;
}
