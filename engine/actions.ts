// What a pass decides to do, as plain data: the planner makes these, the
// executor carries each out against the calendar and commits its effects.
import type { CalendarEvent, EventBase, EventData } from "../adapters/types.js";
import type { LinkRow } from "../db/queries/links.js";
import type { LinkElsewhere } from "../db/queries/pushes.js";
import type { TaskFields, TaskRecord } from "../db/queries/tasks.js";

export type Side = "crm" | "calendar";

/** R12: both sides changed; every conflict is journaled with who won and what. */
export interface ConflictNote {
  /** Whose version the event and task end with (in a merge: whose won most of the fields both changed). */
  winner: Side;
  detail: string;
}

export type Action =
  /** R10: a calendar-made event becomes a task (linked, its number written back by the push). */
  | { kind: "import"; event: CalendarEvent; fields: TaskFields; notes: string[] }
  /** Our event without a link (after a crash, unbind or re-authorization): link it; `settled` when it already shows the task. */
  | { kind: "adopt"; task: TaskRecord; event: CalendarEvent; settled: boolean; conflict?: ConflictNote }
  /** The calendar changed what the task shows: the task takes it (R10), conditional on its version. */
  | {
      kind: "apply";
      task: TaskRecord;
      event: CalendarEvent;
      fields: TaskFields;
      notes: string[];
      conflict?: ConflictNote;
      /** False when the event is leaving this calendar: what it must still show is not written back here. */
      restore?: false;
    }
  /** The event changed only beyond what taskcal owns (attendees, reminders): record what the calendar shows now. */
  | { kind: "refresh"; task: TaskRecord; link: LinkRow; event: CalendarEvent }
  /** Write the task over the event as `base` shows it: a CRM change, or a restore of what the calendar may not change. */
  | {
      kind: "write";
      task: TaskRecord;
      remoteId: string;
      base: EventBase;
      data: EventData;
      reason: "update" | "restore";
      conflict?: ConflictNote;
    }
  /** R11: the event was deleted in the calendar; the task becomes a tombstone, conditional on its version. */
  | { kind: "tombstone"; task: TaskRecord; link: LinkRow }
  /** Forget a link without touching the calendar: its event is gone, moved, or to be created again. */
  | { kind: "unlink"; taskId: string; remoteId: string; detail: string | null; conflict?: ConflictNote }
  /** R9: a task gets its event; `note` when an event elsewhere stayed behind. */
  | { kind: "create"; task: TaskRecord; data: EventData; note?: string }
  /** R11: a task moved here from a calendar of the same account: its event moves whole (attendees and all). */
  | { kind: "move"; task: TaskRecord; from: LinkElsewhere; data: EventData }
  /** R11: a deleted task, or one that left this binding, loses its event here. */
  | { kind: "delete"; task: TaskRecord; remoteId: string; etag: string | null; detail: string }
  /** A CRM edit of an event the calendar does not let taskcal change: recorded, not written. */
  | { kind: "hold"; task: TaskRecord; link: LinkRow }
  /** An event that cannot become a task (unreadable, impossible times): recorded against it, the pass goes on (R20). */
  | { kind: "fail"; remoteId: string; taskId?: string; code: string; message: string };

/** Which item an action is about, for its failure record (R20). */
export function itemOf(action: Action): { item: "task" | "event"; taskId?: string; remoteId?: string } {
  switch (action.kind) {
    case "import":
      return { item: "event", remoteId: action.event.id };
    case "adopt":
    case "apply":
    case "refresh":
      return { item: "event", taskId: action.task.id, remoteId: action.event.id };
    case "tombstone":
      return { item: "event", taskId: action.task.id, remoteId: action.link.remoteId };
    case "fail":
      return { item: "event", taskId: action.taskId, remoteId: action.remoteId };
    case "unlink":
      return { item: "task", taskId: action.taskId, remoteId: action.remoteId };
    case "write":
    case "delete":
      return { item: "task", taskId: action.task.id, remoteId: action.remoteId };
    case "create":
    case "move":
    case "hold":
      return { item: "task", taskId: action.task.id };
  }
}
