// The database side of one sync action, committed in one transaction: the
// task change, the link that records what the calendar now shows, the journal
// entry, the counters and the item's failure record. A crash between the
// calendar write and this commit is repaired by doing the action again (event
// ids are derived, writes conditional), so nothing here is ever half done.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState, journal, links, type ShownEvent, tasks } from "../schema.js";
import { type FailureRecord, recordFailure, resolveFailure } from "./failures.js";
import type { JournalEntry } from "./journal.js";
import type { Tx } from "./prepared.js";
import { fieldColumns, type TaskFields, type TaskRecord, toTaskRecord } from "./tasks.js";

export type TaskWrite =
  /** R10: a calendar-made event becomes a task of the binding. */
  | { kind: "insert"; fields: TaskFields; operatorId: string; eventTypeId: string }
  /** A calendar edit, only if the task is still at the version it was planned from (no lost CRM edit). */
  | { kind: "update"; id: string; expectedVersion: number; fields: TaskFields; undelete: boolean }
  /** R11: the event was deleted in the calendar (same condition). */
  | { kind: "tombstone"; id: string; expectedVersion: number };

export interface LinkWrite {
  /** Absent: the task this commit inserts. */
  taskId?: string;
  calendarId: string;
  remoteId: string;
  etag: string | null;
  resource?: unknown;
  remoteUpdated?: string | null;
  shown?: ShownEvent | null;
  readOnly?: boolean;
  /** The task version the calendar now reflects; `written`: the version this commit's task write produced. */
  syncedVersion: number | "written";
}

type Counter = "pushed" | "pulled" | "conflicts";

export interface Effects {
  task?: TaskWrite;
  link?: LinkWrite | { drop: string };
  journal?: JournalEntry[];
  counters?: Partial<Record<Counter, number>>;
  failure?: { record: FailureRecord } | { resolve: string };
}

export type CommitResult = { ok: true; task: TaskRecord | null } | { ok: false; reason: "task-changed" };

/** Thrown inside the transaction to roll it back when a conditional task write finds a newer version. */
class TaskChanged extends Error {}

export async function commitEffects(db: Db, bindingId: string, effects: Effects): Promise<CommitResult> {
  try {
    const task = await db.transaction(async (tx) => {
      const written = effects.task ? await writeTask(tx, effects.task) : null;
      const link = effects.link;
      if (link && "drop" in link) {
        await tx.delete(links).where(and(eq(links.bindingId, bindingId), eq(links.taskId, link.drop)));
      } else if (link) {
        const taskId = link.taskId ?? written?.id;
        const syncedVersion = link.syncedVersion === "written" ? written?.version : link.syncedVersion;
        if (!taskId || syncedVersion === undefined) throw new Error("a link write needs its task");
        await upsertLink(tx, bindingId, taskId, syncedVersion, link);
      }
      for (const entry of effects.journal ?? []) {
        await tx.insert(journal).values({ bindingId, ...entry, taskId: entry.taskId ?? written?.id ?? null });
      }
      const counters = Object.entries(effects.counters ?? {}).filter(([, by]) => by);
      if (counters.length) {
        await tx
          .update(bindingState)
          .set(Object.fromEntries(counters.map(([name, by]) => [name, sql`${bindingState[name as Counter]} + ${by}`])))
          .where(eq(bindingState.bindingId, bindingId));
      }
      const failure = effects.failure;
      if (failure && "record" in failure) await recordFailure(tx, bindingId, failure.record);
      else if (failure) await resolveFailure(tx, bindingId, failure.resolve);
      return written;
    });
    return { ok: true, task };
  } catch (error) {
    if (error instanceof TaskChanged) return { ok: false, reason: "task-changed" };
    throw error;
  }
}

async function writeTask(tx: Tx, write: TaskWrite): Promise<TaskRecord> {
  if (write.kind === "insert") {
    const [row] = await tx
      .insert(tasks)
      .values({ ...fieldColumns(write.fields), operatorId: write.operatorId, eventTypeId: write.eventTypeId })
      .returning();
    return toTaskRecord(row);
  }
  const change =
    write.kind === "update"
      ? { ...fieldColumns(write.fields), ...(write.undelete ? { deleted: false, deletedAt: null } : {}) }
      : { deleted: true, deletedAt: new Date() };
  const [row] = await tx
    .update(tasks)
    .set(change)
    .where(and(eq(tasks.id, write.id), eq(tasks.version, write.expectedVersion)))
    .returning();
  if (!row) throw new TaskChanged();
  return toTaskRecord(row);
}

async function upsertLink(tx: Tx, bindingId: string, taskId: string, syncedVersion: number, link: LinkWrite): Promise<void> {
  const values = {
    calendarId: link.calendarId,
    remoteId: link.remoteId,
    etag: link.etag,
    syncedVersion,
    remoteUpdated: link.remoteUpdated ?? null,
    resource: link.resource ?? null,
    shown: link.shown ?? null,
    readOnly: link.readOnly ?? false,
    updatedAt: new Date(),
  };
  await tx
    .insert(links)
    .values({ taskId, bindingId, ...values })
    .onConflictDoUpdate({ target: [links.taskId, links.bindingId], set: values });
}

/**
 * Effects that write no task and record no failure (what a calendar write
 * leaves: its link, journal lines, counters, a failure resolved) can share a
 * commit with others: `commitLinkEffects` takes them.
 */
export function sharesCommit(effects: Effects): boolean {
  return !effects.task && !(effects.failure && "record" in effects.failure);
}

/** A row for jsonb_to_recordset: a missing value is SQL NULL there, where a JSON null in a jsonb column would stay 'null'. */
function row(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
}

/**
 * Several items' effects (each `sharesCommit`, no two on one task) in one
 * statement, so one transaction and one round trip: writable CTEs over JSON
 * rows. An import of thousands of events makes two commits per event (the
 * link recorded ahead, then the outcome); one round trip for many of them is
 * what keeps the database off the writes' critical path. All or nothing: the
 * caller commits the items one by one when this throws, so one bad item
 * fails alone.
 */
export async function commitLinkEffects(db: Db, bindingId: string, items: Effects[]): Promise<void> {
  const upserts: Record<string, unknown>[] = [];
  const drops: string[] = [];
  const entries: Record<string, unknown>[] = [];
  const resolves: string[] = [];
  const sum: Record<Counter, number> = { pushed: 0, pulled: 0, conflicts: 0 };
  for (const effects of items) {
    const link = effects.link;
    if (link && "drop" in link) drops.push(link.drop);
    else if (link) {
      if (!link.taskId || link.syncedVersion === "written") throw new Error("a link write needs its task");
      upserts.push(row({ ...link }));
    }
    for (const entry of effects.journal ?? []) entries.push(row({ ...entry }));
    for (const [name, by] of Object.entries(effects.counters ?? {})) sum[name as Counter] += by ?? 0;
    if (effects.failure && "resolve" in effects.failure) resolves.push(effects.failure.resolve);
  }
  const json = (value: unknown) => JSON.stringify(value);
  await db.execute(sql`
    with dropped as (
      delete from links where binding_id = ${bindingId} and task_id in (select d::uuid from jsonb_array_elements_text(${json(drops)}::jsonb) d)
    ), upserted as (
      insert into links (task_id, binding_id, calendar_id, remote_id, etag, synced_version, remote_updated, resource, shown, read_only, updated_at)
      select l."taskId", ${bindingId}, l."calendarId", l."remoteId", l.etag, l."syncedVersion", l."remoteUpdated", l.resource, l.shown,
             coalesce(l."readOnly", false), now()
        from jsonb_to_recordset(${json(upserts)}::jsonb) as l("taskId" uuid, "calendarId" text, "remoteId" text, etag text,
             "syncedVersion" bigint, "remoteUpdated" text, resource jsonb, shown jsonb, "readOnly" boolean)
      on conflict (task_id, binding_id) do update set calendar_id = excluded.calendar_id, remote_id = excluded.remote_id,
             etag = excluded.etag, synced_version = excluded.synced_version, remote_updated = excluded.remote_updated,
             resource = excluded.resource, shown = excluded.shown, read_only = excluded.read_only, updated_at = excluded.updated_at
    ), logged as (
      insert into journal (binding_id, direction, action, task_id, remote_id, outcome, detail)
      select ${bindingId}, j.direction, j.action, j."taskId", j."remoteId", j.outcome, j.detail
        from jsonb_to_recordset(${json(entries)}::jsonb) as j(direction text, action text, "taskId" uuid, "remoteId" text, outcome text, detail text)
    ), resolved as (
      update sync_failures set resolved_at = now()
       where binding_id = ${bindingId} and resolved_at is null and item in (select jsonb_array_elements_text(${json(resolves)}::jsonb))
    )
    update binding_state set pushed = pushed + ${sum.pushed}::int, pulled = pulled + ${sum.pulled}::int, conflicts = conflicts + ${sum.conflicts}::int
     where binding_id = ${bindingId} and ${sum.pushed + sum.pulled + sum.conflicts}::int > 0`);
}
