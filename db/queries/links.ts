// One task's event in one binding's calendar, as the engine keeps it.
import { and, eq, inArray, isNotNull, like, or, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindings, links, tasks } from "../schema.js";
import { arrayLiteral } from "./arrays.js";
import { perDatabase } from "./prepared.js";

export type LinkRow = typeof links.$inferSelect;

/** The links of a binding for these remote ids, by remote id (one query for a page of changes). */
export async function linksByRemoteIds(db: Db, bindingId: string, remoteIds: Iterable<string>): Promise<Map<string, LinkRow>> {
  const wanted = [...new Set(remoteIds)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .select()
    .from(links)
    .where(and(eq(links.bindingId, bindingId), inArray(links.remoteId, wanted)));
  return new Map(rows.map((row) => [row.remoteId, row]));
}

const etagsByRemoteIds = perDatabase((db) =>
  db
    .select({ remoteId: links.remoteId, etag: links.etag })
    .from(links)
    .where(
      and(
        eq(links.bindingId, sql.placeholder("bindingId")),
        sql`${links.remoteId} = any(${sql.placeholder("remoteIds")}::text[])`,
        isNotNull(links.etag),
      ),
    )
    .prepare("taskcal_link_etags"),
);

/**
 * The etags links hold for these remote ids (links without one left out):
 * what a change listing need not fetch again. One array parameter, however
 * many ids: a listing of a large calendar names them all (taskcal's own
 * writes coming back), and building a query of 10,000 parameters cost more
 * CPU than running it (PostgreSQL also caps a statement at 65,535).
 */
export async function linkEtagsByRemoteIds(db: Db, bindingId: string, remoteIds: Iterable<string>): Promise<Map<string, string>> {
  const wanted = [...new Set(remoteIds)];
  if (wanted.length === 0) return new Map();
  const rows = await etagsByRemoteIds(db).execute({ bindingId, remoteIds: arrayLiteral(wanted) });
  return new Map(rows.map((row) => [row.remoteId, row.etag!]));
}

/** Links whose remote ids start with `prefix`: the occurrences of a series deleted whole. */
export async function linksByRemoteIdPrefix(db: Db, bindingId: string, prefix: string): Promise<LinkRow[]> {
  if (!prefix) return [];
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .select()
    .from(links)
    .where(and(eq(links.bindingId, bindingId), like(links.remoteId, pattern)));
}

/**
 * Links a full listing of the window should have shown: those of tasks still
 * inside the window (or deleted, their deletion pending). One the listing did
 * not show may be gone, or moved before the window start; a read by id tells.
 * A create recorded ahead but unconfirmed is left out: its event may never
 * have been made, and the push makes it.
 */
export async function linksInWindow(db: Db, bindingId: string, window: { startDate: string; startInstant: Date }): Promise<LinkRow[]> {
  const rows = await db
    .select({ link: links })
    .from(links)
    .innerJoin(tasks, eq(tasks.id, links.taskId))
    .where(
      and(
        eq(links.bindingId, bindingId),
        isNotNull(links.etag),
        or(
          eq(tasks.deleted, true),
          and(eq(tasks.allDay, true), sql`${tasks.endDate} >= ${window.startDate}`),
          and(eq(tasks.allDay, false), sql`${tasks.endAt} >= ${window.startInstant.toISOString()}`),
        ),
      ),
    );
  return rows.map((row) => row.link);
}

/** Forgets every link of a binding (its calendar changed: the import re-links what it finds there). */
export async function dropLinks(db: Db, bindingId: string): Promise<void> {
  await db.delete(links).where(eq(links.bindingId, bindingId));
}

/** The links of a binding for these tasks, by task id. */
export async function linksByTaskIds(db: Db, bindingId: string, taskIds: Iterable<string>): Promise<Map<string, LinkRow>> {
  const wanted = [...new Set(taskIds)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .select()
    .from(links)
    .where(and(eq(links.bindingId, bindingId), inArray(links.taskId, wanted)));
  return new Map(rows.map((row) => [row.taskId, row]));
}

/** The calendar event each of these tasks is linked to (any binding), by task id: what the console's task list shows. */
export async function linkedEventsOf(db: Db, taskIds: string[]): Promise<Map<string, { remoteId: string; calendarName: string }>> {
  if (taskIds.length === 0) return new Map();
  const rows = await db
    .select({ taskId: links.taskId, remoteId: links.remoteId, calendarName: bindings.calendarName })
    .from(links)
    .innerJoin(bindings, eq(bindings.id, links.bindingId))
    .where(inArray(links.taskId, taskIds));
  return new Map(rows.map((row) => [row.taskId, { remoteId: row.remoteId, calendarName: row.calendarName }]));
}
