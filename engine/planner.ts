// The sync rules as pure decisions (R10–R13, R18–R20): what one event, one
// deletion or one pending task asks for, as an Action. No I/O; the executor
// carries the actions out.
import type { CalendarEvent } from "../adapters/types.js";
import type { ConflictPolicy } from "../db/enums.js";
import type { LinkRow } from "../db/queries/links.js";
import type { PendingPush } from "../db/queries/pushes.js";
import type { TaskFields, TaskRecord } from "../db/queries/tasks.js";
import type { Action, ConflictNote, Side } from "./actions.js";
import { changedFields, decodeDigests, digestFields, type FieldDigests, SHOWN_PROPERTY } from "./ancestor.js";
import { editChangesTask, eventShows, parseEvent, renderEvent, taskDigests, UnusableEvent } from "./event-render.js";
import { mergeEdits } from "./merge.js";
import { type RenderContext, TASK_ID_PROPERTY } from "./task-model.js";
import { eventEndsInWindow, type SyncWindow, taskInWindow } from "./window.js";

export type { ConflictPolicy };

/** What every decision of one binding's pass depends on. */
export interface PlanContext {
  operatorId: string;
  eventTypeId: string;
  render: RenderContext;
  policy: ConflictPolicy;
  window: SyncWindow;
  /** The account this binding signed in as, and its provider: a move within one account keeps the event whole. */
  accountId: string;
  provider: string;
  /** The provider can move an event between calendars of one account. */
  canMove: boolean;
  /** The id this binding gives a task's event in its calendar (derived, so it proves the event is this binding's). */
  ownEventId: (taskId: string) => string;
}

/** R12: who wins when both sides changed since the last sync. Ties and unknown calendar times go to the CRM. */
export function conflictWinner(policy: ConflictPolicy, crmChangedAt: Date, calendarChangedAt?: string): Side {
  if (policy === "crm-wins") return "crm";
  if (policy === "google-wins") return "calendar";
  if (!calendarChangedAt) return "crm";
  return new Date(calendarChangedAt).getTime() > crmChangedAt.getTime() ? "calendar" : "crm";
}

/** The journal's words for a conflict the policy settled: the whole event, or the fields both sides changed. */
export function conflictNote(policy: ConflictPolicy, winner: Side, fields?: { field: string; winner: Side }[]): ConflictNote {
  const whose = (side: Side) => (side === "crm" ? "the CRM's kept" : "the calendar's kept");
  if (!fields) return { winner, detail: `both sides changed; policy ${policy}` };
  const calendarWins = fields.filter((f) => f.winner === "calendar").length;
  return {
    winner: calendarWins * 2 > fields.length ? "calendar" : "crm",
    detail: `both sides changed ${fields.map((f) => `${f.field} (${whose(f.winner)})`).join(", ")}; policy ${policy}`,
  };
}

const bound = (task: TaskRecord, ctx: PlanContext) => task.operatorId === ctx.operatorId && task.eventTypeId === ctx.eventTypeId;

/** The event's fields as a task edit, or a `fail` action when the event cannot be read as one. */
function parsed(event: CalendarEvent, ctx: PlanContext, taskId?: string) {
  try {
    return parseEvent(event, ctx.render);
  } catch (error) {
    if (!(error instanceof UnusableEvent)) throw error;
    return { kind: "fail", remoteId: event.id, taskId, code: "unusable_event", message: error.message } satisfies Action;
  }
}

/** Where both sides last agreed: the link's record of the calendar, else what the event says taskcal wrote. */
function ancestorOf(link: LinkRow | null, event: CalendarEvent, ctx: PlanContext): FieldDigests | null {
  if (link?.shown) return digestFields(parseEvent(link.shown, ctx.render).fields);
  return decodeDigests(event.privateProperties?.[SHOWN_PROPERTY]);
}

/** The task's event as the calendar shows it now, linked (when `link` is given) or to be linked. */
function settle(task: TaskRecord, link: LinkRow | null, event: CalendarEvent): Action {
  return link ? { kind: "refresh", task, link, event } : { kind: "adopt", task, event, settled: true };
}

/** The CRM's side goes to the calendar: written over the event as it is now (or, unlinked, linked then pushed). */
function crmSide(task: TaskRecord, link: LinkRow | null, event: CalendarEvent, ctx: PlanContext, conflict?: ConflictNote): Action {
  if (!link) return { kind: "adopt", task, event, settled: false, ...(conflict ? { conflict } : {}) };
  if (task.deleted) return { kind: "delete", task, remoteId: event.id, etag: event.etag, detail: "task deleted" };
  return { kind: "write", task, remoteId: event.id, base: event, data: renderEvent(task, ctx.render), reason: "update", conflict };
}

/** The calendar's fields go to the task; when they change nothing it shows, the event is shown the task again (a removed number). */
function calendarSide(
  task: TaskRecord,
  link: LinkRow | null,
  event: CalendarEvent,
  fields: TaskFields,
  notes: string[],
  ctx: PlanContext,
  conflict?: ConflictNote,
): Action {
  if (task.deleted || editChangesTask(task, fields)) return { kind: "apply", task, event, fields, notes, ...(conflict ? { conflict } : {}) };
  const data = renderEvent(task, ctx.render);
  if (!eventShows(event, data)) return { kind: "write", task, remoteId: event.id, base: event, data, reason: "restore" };
  return settle(task, link, event);
}

/**
 * One event of one of our tasks, linked or not: what each side changed since
 * they last agreed decides (R10, R12, R18). A change only beyond what taskcal
 * owns (attendees, reminders) is no change of the task; changes to different
 * fields merge; the policy settles a field both changed, and a deletion
 * against an edit.
 */
function reconcile(task: TaskRecord, link: LinkRow | null, event: CalendarEvent, ctx: PlanContext): Action {
  const theirs = parsed(event, ctx, task.id);
  if ("kind" in theirs) return theirs;
  const ancestor = ancestorOf(link, event, ctx);
  const winner = () => conflictWinner(ctx.policy, task.updatedAt, event.updated);
  if (!ancestor) {
    // Written before taskcal kept an ancestor: the policy decides the whole event.
    if (eventShows(event, renderEvent(task, ctx.render))) return settle(task, link, event);
    const crmChanged = link ? task.version > link.syncedVersion : true;
    if (link && !crmChanged) return calendarSide(task, link, event, theirs.fields, theirs.notes, ctx);
    const side = winner();
    const note = conflictNote(ctx.policy, side);
    return side === "crm" ? crmSide(task, link, event, ctx, note) : calendarSide(task, link, event, theirs.fields, theirs.notes, ctx, note);
  }
  const shown = digestFields(theirs.fields);
  // An event still showing exactly what taskcal last wrote (the digests it carries) was not edited in the calendar,
  // even when that write was never recorded (a crash between the write and its commit).
  const ownWrite = decodeDigests(event.privateProperties?.[SHOWN_PROPERTY]);
  const calendar = ownWrite && changedFields(ownWrite, shown).length === 0 ? [] : changedFields(ancestor, shown);
  const crm = task.deleted ? [] : changedFields(ancestor, taskDigests(task, ctx.render));
  const crmChanged = link ? task.version > link.syncedVersion : crm.length > 0 || task.deleted;
  if (calendar.length === 0) {
    if (crmChanged) return crmSide(task, link, event, ctx);
    return calendarSide(task, link, event, theirs.fields, theirs.notes, ctx);
  }
  if (task.deleted) {
    const side = winner();
    const note = { winner: side, detail: `the task was deleted while the calendar changed its ${calendar.join(", ")}; policy ${ctx.policy}` };
    return side === "crm" ? crmSide(task, link, event, ctx, note) : calendarSide(task, link, event, theirs.fields, theirs.notes, ctx, note);
  }
  if (crm.length === 0) return calendarSide(task, link, event, theirs.fields, theirs.notes, ctx);
  const merge = mergeEdits(task, theirs.fields, calendar, crm, winner);
  const note = merge.conflicts.length ? conflictNote(ctx.policy, "crm", merge.conflicts) : undefined;
  if (!editChangesTask(task, merge.fields)) return crmSide(task, link, event, ctx, note);
  const notes = [
    ...theirs.notes,
    `merged: the calendar's ${merge.fromCalendar.join(", ")} with the CRM's ${crm.filter((f) => !calendar.includes(f)).join(", ") || "other"} changes`,
  ];
  return { kind: "apply", task, event, fields: merge.fields, notes, ...(note ? { conflict: note } : {}) };
}

/** An event the calendar does not let us change follows the calendar, and is never written. */
function readOnlySide(task: TaskRecord, link: LinkRow, event: CalendarEvent, ctx: PlanContext): Action {
  const parse = parsed(event, ctx, task.id);
  if ("kind" in parse) return parse;
  if (editChangesTask(task, parse.fields)) return { kind: "apply", task, event, fields: parse.fields, notes: parse.notes };
  return { kind: "refresh", task, link, event };
}

/**
 * One event of a change listing (or read by id). `link` is this binding's
 * link for the event's id; `task` the linked task or the task the event
 * names; `linkedElsewhere` when that task is linked to another event of this
 * calendar (the event is a copy someone made).
 */
export function planPulled(
  event: CalendarEvent,
  link: LinkRow | null,
  task: TaskRecord | null,
  ctx: PlanContext,
  linkedElsewhere = false,
): Action | null {
  if (event.statusOnly) return null;
  if (link) {
    if (link.etag === event.etag) return null; // our own write coming back
    if (!task) return null;
    if (!bound(task, ctx)) {
      // Moved away: the push side decides where the event goes. A change made here first still reaches the task;
      // nothing is written to a calendar the event is leaving.
      const action = task.deleted || link.readOnly ? null : reconcile(task, link, event, ctx);
      return action?.kind === "apply" ? { ...action, restore: false } : { kind: "refresh", task, link, event };
    }
    return link.readOnly ? readOnlySide(task, link, event, ctx) : reconcile(task, link, event, ctx);
  }
  const named = event.privateProperties?.[TASK_ID_PROPERTY];
  if (named && task?.id === named && !linkedElsewhere) {
    if (!bound(task, ctx)) {
      // This binding's own event (its id says so), written before a crash kept its link, of a task that has moved on since.
      if (event.id === ctx.ownEventId(task.id)) {
        return { kind: "delete", task, remoteId: event.id, etag: event.etag, detail: "its task moved on before this calendar recorded the event" };
      }
      // Never touch an event of a task another binding owns (two bindings must never fight over one calendar).
      return null;
    }
    // Ours without a link (a crash after the write, an unbind, a re-authorization): linked again, not imported.
    if (task.deleted) return { kind: "adopt", task, event, settled: false };
    return reconcile(task, null, event, ctx);
  }
  if (!eventEndsInWindow(event, ctx.window)) return null;
  const parse = parsed(event, ctx);
  return "kind" in parse ? parse : { kind: "import", event, fields: parse.fields, notes: parse.notes };
}

/**
 * R11/R12: the event of a linked task was deleted in the calendar. If the
 * task changed since the last sync, the policy decides; `latest-wins` keeps
 * the edit, as a deletion carries no time to compare and an edit is never to
 * be lost.
 */
export function planRemoteDeletion(link: LinkRow, task: TaskRecord | null, ctx: PlanContext): Action {
  if (!task || task.deleted || !bound(task, ctx)) return { kind: "unlink", taskId: link.taskId, remoteId: link.remoteId, detail: null };
  if (task.version > link.syncedVersion && ctx.policy !== "google-wins") {
    return {
      kind: "unlink",
      taskId: task.id,
      remoteId: link.remoteId,
      detail: "event deleted in the calendar while the task changed; the event is created again",
      conflict: { winner: "crm", detail: "event deleted in the calendar while the task changed; the event is created again" },
    };
  }
  return { kind: "tombstone", task, link };
}

const STAYED_BEHIND = "what was added to the event in the calendar (attendees, reminders…) stayed behind";

/** What a task needs in this binding's calendar (R9, R11). */
export function planPush(pending: PendingPush, ctx: PlanContext): Action | null {
  const { task, link, elsewhere, destination } = pending;
  const ours = bound(task, ctx);
  if (!link) {
    if (!ours || task.deleted || !taskInWindow(task, ctx.window)) return null;
    const data = renderEvent(task, ctx.render);
    if (elsewhere && ctx.canMove && elsewhere.provider === ctx.provider && elsewhere.accountId === ctx.accountId) {
      return { kind: "move", task, from: elsewhere, data };
    }
    return { kind: "create", task, data, ...(elsewhere ? { note: `moved from another calendar account: ${STAYED_BEHIND} there` } : {}) };
  }
  if (!ours || task.deleted) {
    if (!task.deleted && destination && ctx.canMove && destination.provider === ctx.provider && destination.accountId === ctx.accountId) {
      // The destination moves the event whole; this binding only lets go of it.
      if (destination.linkedRemoteId === null) return null;
      if (destination.linkedRemoteId === link.remoteId)
        return { kind: "unlink", taskId: task.id, remoteId: link.remoteId, detail: "event moved to the task's new calendar" };
    }
    const detail = task.deleted ? "task deleted" : `task moved to another operator or type${destination ? "" : " (no calendar syncs it now)"}`;
    return { kind: "delete", task, remoteId: link.remoteId, etag: link.etag, detail };
  }
  // A create recorded ahead but never confirmed (a crash): made again, idempotently.
  if (link.etag === null && !link.readOnly) return { kind: "create", task, data: renderEvent(task, ctx.render) };
  if (task.version <= link.syncedVersion) return null;
  if (link.readOnly) return { kind: "hold", task, link };
  return {
    kind: "write",
    task,
    remoteId: link.remoteId,
    base: { etag: link.etag ?? "", resource: link.resource ?? undefined },
    data: renderEvent(task, ctx.render),
    reason: "update",
  };
}
