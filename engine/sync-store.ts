// The engine's reads and writes of CRM data and sync state. Every change that
// touches a task and its link happens in one transaction, so a crash between
// the calendar write and the database write is repaired by repeating the step.
import { and, eq, inArray, isNull, like, lt, ne, or, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { bindings, bindingState, eventTypes, journal, links, operators, settings, tasks } from "../db/schema";
import type { LinkState } from "./planner";
import type { SyncTask, TaskEdit } from "./task-model";
import type { SyncWindow } from "./window";

export type TaskRow = typeof tasks.$inferSelect;
export type LinkRow = typeof links.$inferSelect;
export type BindingStateRow = typeof bindingState.$inferSelect;

export interface BindingConfig {
  binding: typeof bindings.$inferSelect;
  operator: typeof operators.$inferSelect;
  eventType: typeof eventTypes.$inferSelect;
  settings: typeof settings.$inferSelect;
}

export interface JournalEntry {
  direction: "crm-to-calendar" | "calendar-to-crm";
  action: string;
  taskId?: string | null;
  remoteId?: string | null;
  outcome: string;
  detail?: string | null;
}

export type StatName = "pushed" | "pulled" | "conflicts" | "errors";

export function toSyncTask(row: TaskRow): SyncTask {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    description: row.description,
    location: row.location,
    customer: row.customer,
    priority: row.priority,
    status: row.status,
    allDay: row.allDay,
    startAt: row.startAt,
    endAt: row.endAt,
    startDate: row.startDate,
    endDate: row.endDate,
    timeZone: row.timeZone,
    features: row.features,
    deleted: row.deleted,
    version: row.version,
    updatedAt: row.updatedAt,
    operatorId: row.operatorId,
    eventTypeId: row.eventTypeId,
  };
}

export function toLinkState(row: LinkRow): LinkState {
  return { remoteId: row.remoteId, etag: row.etag, syncedVersion: row.syncedVersion };
}

const editColumns = (edit: TaskEdit) => ({
  subject: edit.subject,
  description: edit.description,
  ...(edit.location !== undefined ? { location: edit.location } : {}),
  allDay: edit.allDay,
  startAt: edit.startAt,
  endAt: edit.endAt,
  startDate: edit.startDate,
  endDate: edit.endDate,
  timeZone: edit.timeZone,
});

/**
 * The queries every pass runs, built once per database: building a query's
 * SQL costs more CPU than running it, and 10,000 bindings poll all day.
 */
function prepareHotQueries(db: Db) {
  const id = sql.placeholder("bindingId");
  const ours = and(eq(tasks.operatorId, sql.placeholder("operatorId")), eq(tasks.eventTypeId, sql.placeholder("eventTypeId")));
  return {
    config: db
      .select({ binding: bindings, operator: operators, eventType: eventTypes, settings })
      .from(bindings)
      .innerJoin(operators, eq(operators.id, bindings.operatorId))
      .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
      .innerJoin(settings, eq(settings.id, 1))
      .where(eq(bindings.id, id))
      .prepare("taskcal_binding_config"),
    state: db.select().from(bindingState).where(eq(bindingState.bindingId, id)).prepare("taskcal_binding_state"),
    unlinked: db
      .select({ task: tasks })
      .from(tasks)
      .leftJoin(links, and(eq(links.taskId, tasks.id), eq(links.bindingId, id)))
      .where(
        and(
          ours,
          eq(tasks.deleted, false),
          isNull(links.taskId),
          or(
            and(eq(tasks.allDay, true), sql`${tasks.endDate} >= ${sql.placeholder("startDate")}`),
            and(eq(tasks.allDay, false), sql`${tasks.endAt} >= ${sql.placeholder("startInstant")}`),
          ),
        ),
      )
      .prepare("taskcal_unlinked_tasks"),
    linkedChanged: db
      .select({ task: tasks, link: links })
      .from(links)
      .innerJoin(tasks, eq(tasks.id, links.taskId))
      .where(
        and(
          eq(links.bindingId, id),
          or(lt(links.syncedVersion, tasks.version), ne(tasks.operatorId, sql.placeholder("operatorId")), ne(tasks.eventTypeId, sql.placeholder("eventTypeId"))),
        ),
      )
      .prepare("taskcal_linked_changed_tasks"),
  };
}

const hotQueries = new WeakMap<Db, ReturnType<typeof prepareHotQueries>>();

function hot(db: Db): ReturnType<typeof prepareHotQueries> {
  let queries = hotQueries.get(db);
  if (!queries) hotQueries.set(db, (queries = prepareHotQueries(db)));
  return queries;
}

export class SyncStore {
  constructor(
    private readonly db: Db,
    readonly bindingId: string,
  ) {}

  /** The binding with everything that shapes its sync, or null when it is gone. */
  async config(): Promise<BindingConfig | null> {
    const [row] = await hot(this.db).config.execute({ bindingId: this.bindingId });
    return row ?? null;
  }

  async state(): Promise<BindingStateRow> {
    const [row] = await hot(this.db).state.execute({ bindingId: this.bindingId });
    if (row) return row;
    await this.db.insert(bindingState).values({ bindingId: this.bindingId }).onConflictDoNothing();
    const [made] = await hot(this.db).state.execute({ bindingId: this.bindingId });
    return made;
  }

  async saveState(patch: Partial<Omit<BindingStateRow, "bindingId">>): Promise<void> {
    await this.db
      .update(bindingState)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(bindingState.bindingId, this.bindingId));
  }

  async bump(stat: StatName, by = 1): Promise<void> {
    if (by === 0) return;
    await this.db
      .update(bindingState)
      .set({ [stat]: sql`${bindingState[stat]} + ${by}` })
      .where(eq(bindingState.bindingId, this.bindingId));
  }

  async journal(entry: JournalEntry): Promise<void> {
    await this.db.insert(journal).values({ bindingId: this.bindingId, ...entry });
  }

  /** Another binding that already uses this calendar on the same account (R5, seen only after authorization). */
  async calendarHolder(accountId: string, calendarId: string): Promise<{ bindingId: string; createdAt: Date } | null> {
    const [row] = await this.db
      .select({ bindingId: bindings.id, createdAt: bindings.createdAt })
      .from(bindingState)
      .innerJoin(bindings, eq(bindings.id, bindingState.bindingId))
      .where(
        and(
          eq(bindingState.accountId, accountId),
          eq(bindingState.calendarId, calendarId),
          ne(bindingState.bindingId, this.bindingId),
        ),
      )
      .orderBy(bindings.createdAt)
      .limit(1);
    return row ?? null;
  }

  async task(id: string): Promise<SyncTask | null> {
    const [row] = await this.db.select().from(tasks).where(eq(tasks.id, id));
    return row ? toSyncTask(row) : null;
  }

  async linkByRemoteId(remoteId: string): Promise<LinkRow | null> {
    const [row] = await this.db
      .select()
      .from(links)
      .where(and(eq(links.bindingId, this.bindingId), eq(links.remoteId, remoteId)));
    return row ?? null;
  }

  async linkForTask(taskId: string): Promise<LinkRow | null> {
    const [row] = await this.db
      .select()
      .from(links)
      .where(and(eq(links.bindingId, this.bindingId), eq(links.taskId, taskId)));
    return row ?? null;
  }

  /**
   * Tasks that may need a write in this calendar: unlinked live tasks of the
   * binding inside the window, linked tasks changed since their last sync, and
   * linked tasks that moved to another operator or type.
   */
  async pendingPushes(config: BindingConfig, window: SyncWindow): Promise<Array<{ task: SyncTask; link: LinkRow | null }>> {
    const params = { bindingId: this.bindingId, operatorId: config.binding.operatorId, eventTypeId: config.binding.eventTypeId };
    const unlinked = await hot(this.db).unlinked.execute({ ...params, startDate: window.startDate, startInstant: window.startInstant.toISOString() });
    const linked = await hot(this.db).linkedChanged.execute(params);
    return [
      ...unlinked.map((r) => ({ task: toSyncTask(r.task), link: null })),
      ...linked.map((r) => ({ task: toSyncTask(r.task), link: r.link })),
    ];
  }

  async saveLink(taskId: string, calendarId: string, state: LinkState, remoteUpdated?: string): Promise<void> {
    await this.upsertLink(this.db, taskId, calendarId, state, remoteUpdated);
  }

  private async upsertLink(db: Pick<Db, "insert">, taskId: string, calendarId: string, state: LinkState, remoteUpdated?: string): Promise<void> {
    const values = {
      remoteId: state.remoteId,
      etag: state.etag,
      syncedVersion: state.syncedVersion,
      remoteUpdated: remoteUpdated ?? null,
      calendarId,
      updatedAt: new Date(),
    };
    await db
      .insert(links)
      .values({ taskId, bindingId: this.bindingId, ...values })
      .onConflictDoUpdate({ target: [links.taskId, links.bindingId], set: values });
  }

  /**
   * A calendar write done: the link now reflects it (or is gone, for a deletion),
   * counted and journaled in one transaction.
   */
  async recordPush(
    taskId: string,
    write: { calendarId: string; link: LinkState; remoteUpdated?: string } | null,
    entry: JournalEntry,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (write) {
        await this.upsertLink(tx, taskId, write.calendarId, write.link, write.remoteUpdated);
      } else {
        await tx.delete(links).where(and(eq(links.bindingId, this.bindingId), eq(links.taskId, taskId)));
      }
      await tx
        .update(bindingState)
        .set({ pushed: sql`${bindingState.pushed} + 1` })
        .where(eq(bindingState.bindingId, this.bindingId));
      await tx.insert(journal).values({ bindingId: this.bindingId, ...entry });
    });
  }

  async dropLinks(): Promise<void> {
    await this.db.delete(links).where(eq(links.bindingId, this.bindingId));
  }

  async dropLink(taskId: string): Promise<void> {
    await this.db.delete(links).where(and(eq(links.bindingId, this.bindingId), eq(links.taskId, taskId)));
  }

  /** R10: a calendar-made event becomes a task of this binding, linked but not yet showing its number (synced version 0). */
  async importTask(config: BindingConfig, edit: TaskEdit, calendarId: string, remoteId: string, etag: string): Promise<SyncTask> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(tasks)
        .values({
          ...editColumns(edit),
          operatorId: config.binding.operatorId,
          eventTypeId: config.binding.eventTypeId,
        })
        .returning();
      await tx.insert(links).values({ taskId: row.id, bindingId: this.bindingId, calendarId, remoteId, etag, syncedVersion: 0 });
      return toSyncTask(row);
    });
  }

  /**
   * Applies a calendar change to a task and records that the calendar now
   * reflects the new version, in one transaction: the engine's own write is
   * never seen as a CRM change (R13).
   */
  async applyEdit(taskId: string, edit: TaskEdit, calendarId: string, link: LinkState, undelete: boolean): Promise<SyncTask> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(tasks)
        .set({ ...editColumns(edit), ...(undelete ? { deleted: false, deletedAt: null } : {}) })
        .where(eq(tasks.id, taskId))
        .returning();
      await tx
        .insert(links)
        .values({ taskId, bindingId: this.bindingId, calendarId, remoteId: link.remoteId, etag: link.etag, syncedVersion: row.version })
        .onConflictDoUpdate({
          target: [links.taskId, links.bindingId],
          set: { remoteId: link.remoteId, etag: link.etag, syncedVersion: row.version, updatedAt: new Date() },
        });
      return toSyncTask(row);
    });
  }

  /** R11: the event was deleted in the calendar; the task becomes a tombstone and the link goes. */
  async tombstone(taskId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.update(tasks).set({ deleted: true, deletedAt: new Date() }).where(eq(tasks.id, taskId));
      await tx.delete(links).where(and(eq(links.bindingId, this.bindingId), eq(links.taskId, taskId)));
    });
  }

  /** Links whose remote ids start with `prefix` (the occurrences of a series). */
  async linksByRemoteIdPrefix(prefix: string): Promise<LinkRow[]> {
    if (!prefix) return [];
    const pattern = prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
    return this.db
      .select()
      .from(links)
      .where(and(eq(links.bindingId, this.bindingId), like(links.remoteId, pattern)));
  }

  /** Links whose remote ids are in `remoteIds`. */
  async linksByRemoteIds(remoteIds: string[]): Promise<LinkRow[]> {
    if (remoteIds.length === 0) return [];
    return this.db
      .select()
      .from(links)
      .where(and(eq(links.bindingId, this.bindingId), inArray(links.remoteId, remoteIds)));
  }
}
