// R9 (task → event) and R10 (event → task edits): how a task reads in a calendar and back.
import { DateTime } from "luxon";
import type { EventData, EventTime } from "../adapters/types.js";
import type { TaskFields, TaskRecord } from "../db/queries/tasks.js";
import type { ShownEvent } from "../db/schema.js";
import { digestFields, encodeDigests, type FieldDigests, SHOWN_PROPERTY } from "./ancestor.js";
import { type RenderContext, TASK_ID_PROPERTY } from "./task-model.js";

/** The line that separates the task's own description from the generated field lines. */
export const SEPARATOR = "----- CRM -----";

const FIELD_LABELS: Record<string, string> = {
  customer: "Customer",
  status: "Status",
  priority: "Priority",
  operator: "Operator",
};

const NUMBER_SUFFIX = /\s+-\s+\(\d+\/\d{4}\)\s*$/;

export function renderEvent(task: TaskRecord, ctx: RenderContext): EventData {
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
  };
  if (shown.has("location")) event.location = task.location;
  // The event carries the task's id and, as the ancestor of a later merge, the digests of what it shows.
  event.privateProperties = { [TASK_ID_PROPERTY]: task.id, [SHOWN_PROPERTY]: encodeDigests(digestFields(parseEvent(event, ctx).fields)) };
  return event;
}

/** The digests of what the task's event shows (the CRM side of a merge). */
export function taskDigests(task: TaskRecord, ctx: RenderContext): FieldDigests {
  return digestFields(parseEvent(renderEvent(task, ctx), ctx).fields);
}

function eventStart(task: TaskRecord, fallbackZone: string): EventTime {
  if (task.allDay) return { date: task.startDate! };
  return timed(task.startAt!, task.timeZone ?? fallbackZone);
}

/** All-day ends are exclusive in calendars: a one-day task on D ends on D+1. */
function eventEnd(task: TaskRecord, fallbackZone: string): EventTime {
  if (task.allDay) return { date: DateTime.fromISO(task.endDate!).plus({ days: 1 }).toISODate()! };
  return timed(task.endAt!, task.timeZone ?? fallbackZone);
}

function timed(at: Date, timeZone: string): EventTime {
  return { dateTime: DateTime.fromJSDate(at, { zone: timeZone }).toISO({ suppressMilliseconds: true })!, timeZone };
}

/** The longest text a task field takes (the API's limits): longer text from a calendar is cut. */
const LIMITS = { subject: 500, description: 10_000, location: 500 } as const;

/** An event that cannot become (or change) a task: recorded against that event, the pass goes on (R20). */
export class UnusableEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnusableEvent";
  }
}

export interface ParsedEvent {
  fields: TaskFields;
  /** What had to be made safe on the way in (NUL characters, over-long text), for the journal. */
  notes: string[];
}

/**
 * What a calendar event says about its task (R10), limited to what the
 * binding renders (R19): the location only when displayed; generated field
 * lines never (features are one-way). Text the database cannot hold is made
 * safe and noted, never a failure.
 */
export function parseEvent(event: EventData, ctx: RenderContext): ParsedEvent {
  const notes: string[] = [];
  const safe = (name: keyof typeof LIMITS, value: string) => {
    let text = value;
    if (text.includes("\u0000")) {
      text = text.replaceAll("\u0000", "");
      notes.push(`${name}: NUL characters removed`);
    }
    if (text.length > LIMITS[name]) {
      text = text.slice(0, LIMITS[name]);
      notes.push(`${name}: cut to ${LIMITS[name]} characters`);
    }
    return text;
  };
  const fields: TaskFields = {
    subject: safe("subject", event.summary.replace(NUMBER_SUFFIX, "")).trim() || "(no title)",
    description: safe("description", ownDescription(event.description ?? "")),
    allDay: "date" in event.start,
    startAt: null,
    endAt: null,
    startDate: null,
    endDate: null,
  };
  if (ctx.display.fields.includes("location")) fields.location = safe("location", event.location ?? "");
  if ("date" in event.start) {
    const start = DateTime.fromISO(event.start.date);
    const endExclusive = "date" in event.end ? DateTime.fromISO(event.end.date) : start.plus({ days: 1 });
    if (!start.isValid || !endExclusive.isValid)
      throw new UnusableEvent(`the event's dates cannot be read (${event.start.date} – ${"date" in event.end ? event.end.date : "?"})`);
    fields.startDate = start.toISODate();
    const inclusive = endExclusive.minus({ days: 1 }).toISODate()!;
    fields.endDate = inclusive < fields.startDate! ? fields.startDate : inclusive;
  } else {
    const start = new Date(event.start.dateTime);
    const end = "dateTime" in event.end ? new Date(event.end.dateTime) : start;
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
      throw new UnusableEvent(`the event's times cannot be read (${JSON.stringify(event.start)} – ${JSON.stringify(event.end)})`);
    }
    fields.startAt = start;
    fields.endAt = end < start ? start : end;
    if (event.start.timeZone) fields.timeZone = event.start.timeZone;
  }
  return { fields, notes };
}

function ownDescription(description: string): string {
  const text = description.replace(/\r\n/g, "\n");
  const at = text.lastIndexOf(SEPARATOR);
  return (at >= 0 ? text.slice(0, at) : text).replace(/\s+$/, "");
}

/** True when applying `fields` would change the task; fields left out (not rendered) never count. */
export function editChangesTask(task: TaskRecord, edit: TaskFields): boolean {
  return (
    task.subject !== edit.subject ||
    task.description.replace(/\s+$/, "") !== edit.description ||
    (edit.location !== undefined && task.location !== edit.location) ||
    task.allDay !== edit.allDay ||
    (task.allDay
      ? task.startDate !== edit.startDate || task.endDate !== edit.endDate
      : task.startAt?.getTime() !== edit.startAt?.getTime() || task.endAt?.getTime() !== edit.endAt?.getTime())
  );
}

/** The fields taskcal owns, as an event shows them: what a link remembers as the common ancestor of a merge. */
export function shownOf(event: EventData): ShownEvent {
  return {
    summary: event.summary,
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.location !== undefined ? { location: event.location } : {}),
    start: event.start,
    end: event.end,
  };
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
