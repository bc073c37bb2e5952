// R9 (task → event) and R10 (event → task edits): how a task reads in a calendar and back.
import { DateTime } from "luxon";
import type { EventData, EventTime } from "../adapters/types";
import { TASK_ID_PROPERTY, type RenderContext, type SyncTask, type TaskEdit } from "./task-model";

/** The line that separates the task's own description from the generated field lines. */
export const SEPARATOR = "----- CRM -----";

const FIELD_LABELS: Record<string, string> = {
  customer: "Customer",
  status: "Status",
  priority: "Priority",
  operator: "Operator",
};

const NUMBER_SUFFIX = /\s+-\s+\(\d+\/\d{4}\)\s*$/;
const MAX_SUBJECT = 500;

export function renderEvent(task: SyncTask, ctx: RenderContext): EventData {
  const shown = new Set(ctx.display.fields);
  const summary = shown.has("number") ? `${task.subject} - (${task.number})` : task.subject;
  const values: Record<string, string> = {
    customer: task.customer,
    status: task.status,
    priority: task.priority,
    operator: ctx.operatorName,
  };
  const lines: string[] = [];
  for (const field of ctx.display.fields) {
    const label = FIELD_LABELS[field];
    if (label && values[field]) lines.push(`${label}: ${values[field]}`);
  }
  for (const feature of ctx.display.features) {
    const value = task.features[feature];
    if (value) lines.push(`${feature}: ${value}`);
  }
  const description = lines.length ? [task.description, SEPARATOR, ...lines].join("\n") : task.description;
  const event: EventData = {
    summary,
    description,
    start: eventStart(task, ctx.timeZone),
    end: eventEnd(task, ctx.timeZone),
    privateProperties: { [TASK_ID_PROPERTY]: task.id },
  };
  if (shown.has("location")) event.location = task.location;
  return event;
}

function eventStart(task: SyncTask, fallbackZone: string): EventTime {
  if (task.allDay) return { date: task.startDate! };
  return timed(task.startAt!, task.timeZone ?? fallbackZone);
}

/** All-day ends are exclusive in calendars: a one-day task on D ends on D+1. */
function eventEnd(task: SyncTask, fallbackZone: string): EventTime {
  if (task.allDay) return { date: DateTime.fromISO(task.endDate!).plus({ days: 1 }).toISODate()! };
  return timed(task.endAt!, task.timeZone ?? fallbackZone);
}

function timed(at: Date, timeZone: string): EventTime {
  return { dateTime: DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true })!, timeZone };
}

/** What a calendar event says about its task (R10). Generated field lines are ignored: features are one-way. */
export function parseEvent(event: EventData): TaskEdit {
  const subject = event.summary.replace(NUMBER_SUFFIX, "").trim().slice(0, MAX_SUBJECT) || "(no title)";
  const edit: TaskEdit = {
    subject,
    description: ownDescription(event.description ?? ""),
    location: event.location ?? "",
    allDay: "date" in event.start,
    startAt: null,
    endAt: null,
    startDate: null,
    endDate: null,
    timeZone: null,
  };
  if ("date" in event.start) {
    edit.startDate = event.start.date;
    const endExclusive = "date" in event.end ? event.end.date : event.start.date;
    const inclusive = DateTime.fromISO(endExclusive).minus({ days: 1 }).toISODate()!;
    edit.endDate = inclusive < edit.startDate ? edit.startDate : inclusive;
  } else {
    edit.startAt = new Date(event.start.dateTime);
    const end = "dateTime" in event.end ? new Date(event.end.dateTime) : edit.startAt;
    edit.endAt = end < edit.startAt ? edit.startAt : end;
    edit.timeZone = event.start.timeZone ?? null;
  }
  return edit;
}

function ownDescription(description: string): string {
  const text = description.replace(/\r\n/g, "\n");
  const at = text.lastIndexOf(SEPARATOR);
  return (at >= 0 ? text.slice(0, at) : text).replace(/\s+$/, "");
}

/** True when applying `edit` would change the task. Location counts only when the calendar shows it. */
export function editChangesTask(task: SyncTask, edit: TaskEdit, locationShown: boolean): boolean {
  return (
    task.subject !== edit.subject ||
    task.description.replace(/\s+$/, "") !== edit.description ||
    (locationShown && task.location !== edit.location) ||
    task.allDay !== edit.allDay ||
    (task.allDay
      ? task.startDate !== edit.startDate || task.endDate !== edit.endDate
      : task.startAt?.getTime() !== edit.startAt?.getTime() || task.endAt?.getTime() !== edit.endAt?.getTime())
  );
}

/** True when a calendar already shows `wanted`: compares what we render, instants by value. */
export function eventShows(actual: EventData, wanted: EventData): boolean {
  return (
    actual.summary === wanted.summary &&
    normalizeText(actual.description) === normalizeText(wanted.description) &&
    (wanted.location === undefined || (actual.location ?? "") === wanted.location) &&
    sameTime(actual.start, wanted.start) &&
    sameTime(actual.end, wanted.end) &&
    actual.privateProperties?.[TASK_ID_PROPERTY] === wanted.privateProperties?.[TASK_ID_PROPERTY]
  );
}

function normalizeText(text: string | undefined): string {
  return (text ?? "").replace(/\r\n/g, "\n").replace(/\s+$/, "");
}

/** Calendars keep whole seconds (iCalendar, Google): a task's milliseconds are not a difference. */
function sameTime(a: EventTime, b: EventTime): boolean {
  if ("date" in a || "date" in b) return "date" in a && "date" in b && a.date === b.date;
  return Math.floor(new Date(a.dateTime).getTime() / 1000) === Math.floor(new Date(b.dateTime).getTime() / 1000);
}
