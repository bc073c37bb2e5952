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
