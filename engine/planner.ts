// The sync rules as pure decisions (R10–R13). The binding sync does the I/O these ask for.
import type { CalendarEvent } from "../adapters/types";
import { editChangesTask, eventShows, parseEvent, renderEvent } from "./event-render";
import { TASK_ID_PROPERTY, type RenderContext, type SyncTask } from "./task-model";

export type ConflictPolicy = "latest-wins" | "crm-wins" | "google-wins";
export type Side = "crm" | "calendar";

/** What the engine knows of a task's event in one calendar. */
export interface LinkState {
  remoteId: string;
  etag: string | null;
  /** The task version the calendar reflects. */
  syncedVersion: number;
}

/** R12: who wins when both sides changed since the last sync. Ties and unknown calendar times go to the CRM. */
export function conflictWinner(policy: ConflictPolicy, crmChangedAt: Date, calendarChangedAt?: string): Side {
  if (policy === "crm-wins") return "crm";
  if (policy === "google-wins") return "calendar";
  if (!calendarChangedAt) return "crm";
  return new Date(calendarChangedAt).getTime() > crmChangedAt.getTime() ? "calendar" : "crm";
}

export type PullDecision =
  /** Nothing to do: our own write coming back, or an event outside the window. */
  | { kind: "skip"; reason: "echo" | "outside-window" | "not-ours" }
  /** A calendar-made event: make it a task (R10). */
  | { kind: "import" }
  /** Our event without a link (after a crash, unbind or re-authorization): link it. */
  | { kind: "adopt"; winner: Side; conflict: boolean }
  /** An event of a task that belongs to another binding now: remove it here. */
  | { kind: "remove-stale" }
  /** The calendar changed; the task did not, or lost a conflict. */
  | { kind: "apply"; conflict: boolean }
  /** Both changed and the CRM wins: the task is pushed over the event. */
  | { kind: "override"; conflict: true }
  /** The calendar changed only what it does not own (field lines, the number): show the task again. */
  | { kind: "restore" };

export interface PullInput {
  event: CalendarEvent;
  link: LinkState | null;
  /** The linked task, or the task the event names. */
  task: SyncTask | null;
  /** True when `task` belongs to this binding (operator and type). */
  taskBound: boolean;
  eventInWindow: boolean;
  policy: ConflictPolicy;
  render: RenderContext;
}

export function decidePull(input: PullInput): PullDecision {
  const { event, link, task, policy, render } = input;
  if (link) {
    if (link.etag === event.etag) return { kind: "skip", reason: "echo" };
    if (!task) return { kind: "skip", reason: "not-ours" };
    if (!input.taskBound) return { kind: "remove-stale" };
    const crmChanged = task.version > link.syncedVersion;
    if (crmChanged) {
      const winner = conflictWinner(policy, task.updatedAt, event.updated);
      return winner === "crm" ? { kind: "override", conflict: true } : { kind: "apply", conflict: true };
    }
    const edit = parseEvent(event);
    if (editChangesTask(task, edit, render.display.fields.includes("location"))) return { kind: "apply", conflict: false };
    return eventShows(event, renderEvent(task, render)) ? { kind: "skip", reason: "echo" } : { kind: "restore" };
  }
  const namedTask = event.privateProperties?.[TASK_ID_PROPERTY];
  if (namedTask && task && task.id === namedTask) {
    if (!input.taskBound) return { kind: "remove-stale" };
    if (task.deleted) return { kind: "adopt", winner: "crm", conflict: false };
    if (eventShows(event, renderEvent(task, render))) return { kind: "adopt", winner: "crm", conflict: false };
    return { kind: "adopt", winner: conflictWinner(policy, task.updatedAt, event.updated), conflict: true };
  }
  return input.eventInWindow ? { kind: "import" } : { kind: "skip", reason: "outside-window" };
}

export type RemoteDeletion = "tombstone" | "recreate" | "forget";

/**
 * R11/R12: the event of a linked task was deleted in the calendar. If the task
 * changed since the last sync, the policy decides; `latest-wins` keeps the edit,
 * as a deletion carries no time to compare and an edit is never to be lost.
 */
export function decideRemoteDeletion(task: SyncTask | null, link: LinkState, policy: ConflictPolicy, taskBound: boolean): RemoteDeletion {
  if (!task || task.deleted || !taskBound) return "forget";
  const crmChanged = task.version > link.syncedVersion;
  if (crmChanged && policy !== "google-wins") return "recreate";
  return "tombstone";
}

export type PushDecision = "create" | "update" | "delete" | "none";

/** What a task needs in this binding's calendar. */
export function decidePush(task: SyncTask, link: LinkState | null, taskBound: boolean, inWindow: boolean): PushDecision {
  if (!link) return taskBound && !task.deleted && inWindow ? "create" : "none";
  if (!taskBound || task.deleted) return "delete";
  return task.version > link.syncedVersion ? "update" : "none";
}
