// What a binding may have to write to its calendar: the CRM side of a pass.
import { and, eq, isNull, lt, ne, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../database.js";
import { bindingState, bindings, eventTypes, links, operators, tasks } from "../schema.js";
import type { LinkRow } from "./links.js";
import { perDatabase } from "./prepared.js";
import { type TaskRecord, toTaskRecord } from "./tasks.js";

/** The task's event in another binding's calendar, with that binding's account. */
export interface LinkElsewhere {
  bindingId: string;
  calendarId: string;
  remoteId: string;
  /** The account that binding signed in as (null before its first authorization) and its provider. */
  accountId: string | null;
  provider: string;
}

/** The binding a task moved to, when it has one that syncs. */
export interface MoveDestination {
  bindingId: string;
  accountId: string | null;
  provider: string;
  /** The remote id of the destination's link for the task, once it has one. */
  linkedRemoteId: string | null;
}

export interface PendingPush {
  task: TaskRecord;
  link: LinkRow | null;
  /** Unlinked tasks: where the task's event lives now, if in another binding's calendar (a move). */
  elsewhere: LinkElsewhere | null;
  /** Linked tasks that moved away: the binding they belong to now. */
  destination: MoveDestination | null;
}

const otherLink = alias(links, "other_link");
const otherState = alias(bindingState, "other_state");
const otherBinding = alias(bindings, "other_binding");
const otherOperator = alias(operators, "other_operator");
const otherType = alias(eventTypes, "other_type");

/** The binding a pending-task condition is about: placeholders in the prepared queries, columns in a batch. */
interface PendingFor {
  bindingId: SQL | Placeholder;
  operatorId: SQL | Placeholder;
  eventTypeId: SQL | Placeholder;
  startDate: SQL | Placeholder;
  startInstant: SQL | Placeholder;
}

/**
 * What makes a task pending for a binding: unlinked live tasks of the binding
 * inside the window (`links` joined on this binding), and linked tasks changed
 * since their last sync or moved away.
 */
function pendingConditions(p: PendingFor) {
  const ours = and(eq(tasks.operatorId, p.operatorId), eq(tasks.eventTypeId, p.eventTypeId));
  return {
    unlinkedInWindow: and(
      ours,
      eq(tasks.deleted, false),
      isNull(links.taskId),
      or(
        and(eq(tasks.allDay, true), sql`${tasks.endDate} >= ${p.startDate}`),
        and(eq(tasks.allDay, false), sql`${tasks.endAt} >= ${p.startInstant}`),
      ),
    ),
    linkedChanged: and(
      eq(links.bindingId, p.bindingId),
      or(
        lt(links.syncedVersion, tasks.version),
        ne(tasks.operatorId, p.operatorId),
        ne(tasks.eventTypeId, p.eventTypeId),
        // A create recorded ahead of its call, never confirmed.
        isNull(links.etag),
      ),
    ),
  };
}

const placeholders: PendingFor = {
  bindingId: sql.placeholder("bindingId"),
  operatorId: sql.placeholder("operatorId"),
  eventTypeId: sql.placeholder("eventTypeId"),
  startDate: sql.placeholder("startDate"),
  startInstant: sql.placeholder("startInstant"),
};
const me = placeholders.bindingId;
const { unlinkedInWindow, linkedChanged } = pendingConditions(placeholders);

/** Whether pendingPushes would find anything for the binding `p` names, as one SQL expression: a quiet poll asks it in its one round trip. */
export function anyPendingPush(db: Db, p: PendingFor = placeholders): SQL {
  const c = pendingConditions(p);
  const unlinked = db
    .select({ one: sql`1` })
    .from(tasks)
    .leftJoin(links, and(eq(links.taskId, tasks.id), eq(links.bindingId, p.bindingId)))
    .where(c.unlinkedInWindow);
  const linked = db.select({ one: sql`1` }).from(links).innerJoin(tasks, eq(tasks.id, links.taskId)).where(c.linkedChanged);
  return sql`(exists (${unlinked}) or exists (${linked}))`;
}

const queries = perDatabase((db) => {
  const elsewhere = {
    bindingId: otherLink.bindingId,
    calendarId: otherLink.calendarId,
    remoteId: otherLink.remoteId,
    accountId: otherState.accountId,
    provider: otherOperator.provider,
  };
  return {
    unlinked: db
      .selectDistinctOn([tasks.id], { task: tasks, elsewhere })
      .from(tasks)
      .leftJoin(links, and(eq(links.taskId, tasks.id), eq(links.bindingId, me)))
      .leftJoin(otherLink, and(eq(otherLink.taskId, tasks.id), ne(otherLink.bindingId, me)))
      .leftJoin(otherState, eq(otherState.bindingId, otherLink.bindingId))
      .leftJoin(otherBinding, eq(otherBinding.id, otherLink.bindingId))
      .leftJoin(otherOperator, eq(otherOperator.id, otherBinding.operatorId))
      .where(unlinkedInWindow)
      .orderBy(tasks.id)
      .prepare("taskcal_unlinked_tasks"),
    linkedChanged: db
      .select({
        task: tasks,
        link: links,
        destination: {
          bindingId: otherBinding.id,
          accountId: otherState.accountId,
          provider: otherOperator.provider,
          linkedRemoteId: otherLink.remoteId,
        },
        destinationSyncs: otherType.id,
      })
      .from(links)
      .innerJoin(tasks, eq(tasks.id, links.taskId))
      .leftJoin(
        otherBinding,
        and(eq(otherBinding.operatorId, tasks.operatorId), eq(otherBinding.eventTypeId, tasks.eventTypeId), ne(otherBinding.id, me)),
      )
      .leftJoin(otherOperator, and(eq(otherOperator.id, otherBinding.operatorId), eq(otherOperator.syncEnabled, true)))
      .leftJoin(otherType, and(eq(otherType.id, otherBinding.eventTypeId), eq(otherType.syncEnabled, true)))
      .leftJoin(otherState, eq(otherState.bindingId, otherBinding.id))
      .leftJoin(otherLink, and(eq(otherLink.taskId, tasks.id), eq(otherLink.bindingId, otherBinding.id)))
      .where(linkedChanged)
      .prepare("taskcal_linked_changed_tasks"),
  };
});

/**
 * Tasks that may need a write in this binding's calendar: unlinked live tasks
 * of the binding inside the window, linked tasks changed since their last
 * sync, and linked tasks that moved to another operator or type.
 */
export async function pendingPushes(
  db: Db,
  binding: { id: string; operatorId: string; eventTypeId: string },
  window: { startDate: string; startInstant: Date },
): Promise<PendingPush[]> {
  const params = { bindingId: binding.id, operatorId: binding.operatorId, eventTypeId: binding.eventTypeId };
  const q = queries(db);
  const unlinked = await q.unlinked.execute({ ...params, startDate: window.startDate, startInstant: window.startInstant.toISOString() });
  const linked = await q.linkedChanged.execute(params);
  return [
    ...unlinked.map((r) => ({
      task: toTaskRecord(r.task),
      link: null,
      elsewhere: r.elsewhere.bindingId ? (r.elsewhere as LinkElsewhere) : null,
      destination: null,
    })),
    ...linked.map((r) => ({
      task: toTaskRecord(r.task),
      link: r.link,
      elsewhere: null,
      // A destination counts only when its operator is enabled and its type synchronized (the joins above).
      destination: r.destination.bindingId && r.destination.provider && r.destinationSyncs ? (r.destination as MoveDestination) : null,
    })),
  ];
}
