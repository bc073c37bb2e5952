// The database effects of a carried-out action, as data (pure): what the
// link records, the task change, the journal lines and the counters.
import type { CalendarEvent } from "../adapters/types.js";
import type { Direction } from "../db/enums.js";
import type { FailureRecord } from "../db/queries/failures.js";
import { failureItem } from "../db/queries/failures.js";
import type { JournalEntry } from "../db/queries/journal.js";
import type { Effects, LinkWrite } from "../db/queries/sync-effects.js";
import type { Action, ConflictNote } from "./actions.js";
import { itemOf } from "./actions.js";
import { shownOf } from "./event-render.js";
import type { PlanContext } from "./planner.js";

/** What the calendar answered to an action's write (absent for actions that write nothing there). */
export interface RemoteResult {
  event?: CalendarEvent;
  /** createEvent found the id taken by an earlier attempt of ours and adopted that event. */
  adopted?: boolean;
  /** What the answer calls for once this action's effects are committed (edits a moved event brought along). */
  followUp?: Action;
}

const PULL: Direction = "calendar-to-crm";
const PUSH: Direction = "crm-to-calendar";

export function directionOf(action: Action): Direction {
  return ["import", "adopt", "apply", "refresh", "tombstone", "fail"].includes(action.kind) ? PULL : PUSH;
}

function linkOf(event: CalendarEvent, calendarId: string, syncedVersion: LinkWrite["syncedVersion"], taskId?: string): LinkWrite {
  return {
    ...(taskId ? { taskId } : {}),
    calendarId,
    remoteId: event.id,
    etag: event.etag,
    resource: event.resource,
    remoteUpdated: event.updated ?? null,
    shown: shownOf(event),
    readOnly: event.readOnly ?? false,
    syncedVersion,
  };
}

function conflictEntry(conflict: ConflictNote, taskId: string, remoteId: string): JournalEntry {
  return {
    direction: conflict.winner === "crm" ? PUSH : PULL,
    action: "conflict",
    taskId,
    remoteId,
    outcome: `${conflict.winner} wins`,
    detail: conflict.detail,
  };
}

/** The effects of `action` once the calendar did its part (`remote`). */
export function effectsOf(action: Action, remote: RemoteResult, calendarId: string, ctx: PlanContext): Effects {
  switch (action.kind) {
    case "import": {
      const { event } = action;
      // A read-only event's task is settled at once: its number is never written back.
      const link = linkOf(event, calendarId, event.readOnly ? "written" : 0);
      const notes = [
        ...action.notes,
        ...(event.readOnly ? ["the calendar does not let taskcal change this event: its number is not written back"] : []),
      ];
      return {
        task: { kind: "insert", fields: action.fields, operatorId: ctx.operatorId, eventTypeId: ctx.eventTypeId },
        link,
        journal: [{ direction: PULL, action: "create", remoteId: event.id, outcome: "ok", detail: notes.length ? notes.join("; ") : null }],
        counters: { pulled: 1 },
      };
    }
    case "adopt": {
      const { task, event, conflict } = action;
      return {
        // Synced version 0 when the calendar must still be brought to the task.
        link: linkOf(event, calendarId, action.settled ? task.version : 0, task.id),
        journal: [
          ...(conflict ? [conflictEntry(conflict, task.id, event.id)] : []),
          { direction: PULL, action: "link", taskId: task.id, remoteId: event.id, outcome: "ok", detail: "existing event adopted" },
        ],
        counters: conflict ? { conflicts: 1 } : {},
      };
    }
    case "apply": {
      const { task, event } = action;
      return {
        task: { kind: "update", id: task.id, expectedVersion: task.version, fields: action.fields, undelete: task.deleted },
        link: linkOf(event, calendarId, "written", task.id),
        journal: [
          ...(action.conflict ? [conflictEntry(action.conflict, task.id, event.id)] : []),
          {
            direction: PULL,
            action: "update",
            taskId: task.id,
            remoteId: event.id,
            outcome: "ok",
            detail: action.notes.length ? action.notes.join("; ") : null,
          },
        ],
        counters: { pulled: 1, ...(action.conflict ? { conflicts: 1 } : {}) },
      };
    }
    case "refresh": {
      const { event, link, task } = action;
      // A create recorded ahead of an interrupted call is confirmed: worth a line; a refreshed etag is not.
      const confirmed = link.etag === null;
      return {
        link: linkOf(event, calendarId, link.syncedVersion, task.id),
        ...(confirmed
          ? {
              journal: [
                {
                  direction: PUSH,
                  action: "link",
                  taskId: task.id,
                  remoteId: event.id,
                  outcome: "ok",
                  detail: "event written before an interruption, recorded now",
                },
              ],
            }
          : {}),
      };
    }
    case "write": {
      const { task } = action;
      const event = remote.event!;
      return {
        link: linkOf(event, calendarId, task.version, task.id),
        journal: [
          ...(action.conflict ? [conflictEntry(action.conflict, task.id, event.id)] : []),
          { direction: PUSH, action: action.reason, taskId: task.id, remoteId: event.id, outcome: "ok" },
        ],
        counters: { pushed: 1, ...(action.conflict ? { conflicts: 1 } : {}) },
      };
    }
    case "tombstone":
      return {
        task: { kind: "tombstone", id: action.task.id, expectedVersion: action.task.version },
        link: { drop: action.task.id },
        journal: [
          {
            direction: PULL,
            action: "delete",
            taskId: action.task.id,
            remoteId: action.link.remoteId,
            outcome: "ok",
            detail: "event deleted in the calendar",
          },
        ],
        counters: { pulled: 1 },
      };
    case "unlink":
      return {
        link: { drop: action.taskId },
        journal: action.conflict
          ? [conflictEntry(action.conflict, action.taskId, action.remoteId)]
          : action.detail
            ? [{ direction: PUSH, action: "unlink", taskId: action.taskId, remoteId: action.remoteId, outcome: "ok", detail: action.detail }]
            : [],
        counters: action.conflict ? { conflicts: 1 } : {},
      };
    case "create":
    case "move": {
      const { task } = action;
      const event = remote.event!;
      const detail =
        action.kind === "move" ? "moved whole from the task's previous calendar" : remote.adopted ? "existing event adopted" : (action.note ?? null);
      return {
        link: linkOf(event, calendarId, task.version, task.id),
        journal: [{ direction: PUSH, action: action.kind, taskId: task.id, remoteId: event.id, outcome: "ok", detail }],
        counters: { pushed: 1 },
      };
    }
    case "delete":
      return {
        link: { drop: action.task.id },
        journal: [{ direction: PUSH, action: "delete", taskId: action.task.id, remoteId: action.remoteId, outcome: "ok", detail: action.detail }],
        counters: { pushed: 1 },
      };
    case "hold":
      return {
        link: { ...linkFromRow(action.link), syncedVersion: action.task.version },
        journal: [
          {
            direction: PUSH,
            action: "update",
            taskId: action.task.id,
            remoteId: action.link.remoteId,
            outcome: "skipped",
            detail: "the calendar does not let taskcal change this event; the CRM keeps the edit",
          },
        ],
      };
    case "fail":
      return failureEffects(action, action.code, action.message, null);
  }
}

function linkFromRow(link: Extract<Action, { kind: "hold" }>["link"]): LinkWrite {
  return {
    taskId: link.taskId,
    calendarId: link.calendarId,
    remoteId: link.remoteId,
    etag: link.etag,
    resource: link.resource,
    remoteUpdated: link.remoteUpdated,
    shown: link.shown,
    readOnly: link.readOnly,
    syncedVersion: link.syncedVersion,
  };
}

/** The key of an action's item in the failure list. */
export function failureKey(action: Action): string {
  const item = itemOf(action);
  return item.item === "task" ? failureItem.task(item.taskId!) : failureItem.event(item.remoteId!);
}

/** R20: one item failed; it is recorded (journal and failure list) and the pass goes on. */
export function failureEffects(action: Action, code: string, message: string, taskVersion: number | null): Effects {
  const item = itemOf(action);
  const record: FailureRecord = {
    item: failureKey(action),
    taskId: item.taskId ?? null,
    remoteId: item.remoteId ?? null,
    direction: directionOf(action),
    code,
    message,
    taskVersion,
  };
  const verb = action.kind === "write" ? action.reason : action.kind === "fail" ? "import" : action.kind;
  return {
    journal: [
      {
        direction: record.direction,
        action: verb,
        taskId: record.taskId,
        remoteId: record.remoteId,
        outcome: "failed",
        detail: `${code}: ${message}`,
      },
    ],
    failure: { record },
  };
}
