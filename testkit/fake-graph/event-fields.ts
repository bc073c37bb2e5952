import type { DateTime } from "luxon";
import { badRequest, invalidRequest, notModelled } from "./graph-errors.js";
import { normalizeRecurrence, type PatternedRecurrence } from "./recurrence.js";
import { type DateTimeTimeZone, formatWallClock, parseDateTimeTimeZone } from "./time-zones.js";

/**
 * The event resource as the fake stores and answers it ("event resource type", "Create event",
 * "Get event"). A client writes the properties below; the server owns the rest, which writes ignore
 * (clients often send back what they read). A property of neither kind is refused, as OData does.
 */

/** Properties a client can set, stored as given (PATCH replaces each one whole). */
const WRITABLE = new Set([
  "allowNewTimeProposals",
  "attendees",
  "body",
  "categories",
  "end",
  "hideAttendees",
  "importance",
  "isAllDay",
  "isOnlineMeeting",
  "isReminderOn",
  "location",
  "locations",
  "onlineMeetingProvider",
  "recurrence",
  "reminderMinutesBeforeStart",
  "responseRequested",
  "sensitivity",
  "showAs",
  "start",
  "subject",
  "transactionId",
]);

/** Server-owned properties and annotations; a value for them in a write is ignored. */
const READ_ONLY = new Set([
  "@odata.context",
  "@odata.etag",
  "@odata.type",
  "bodyPreview",
  "calendar@odata.associationLink",
  "calendar@odata.navigationLink",
  "changeKey",
  "createdDateTime",
  "hasAttachments",
  "iCalUId",
  "id",
  "isCancelled",
  "isDraft",
  "isOrganizer",
  "lastModifiedDateTime",
  "onlineMeeting",
  "onlineMeetingUrl",
  "organizer",
  "originalEndTimeZone",
  "originalStart",
  "originalStartTimeZone",
  "responseStatus",
  "seriesMasterId",
  "type",
  "webLink",
]);

/** Relationships the fake does not keep. */
const NOT_MODELLED = ["attachments", "extensions", "instances", "multiValueExtendedProperties", "calendar"];

export type EventFields = Record<string, unknown>;

/** A client's write, split into plain properties and single-value extended properties. */
export interface EventWrite {
  fields: EventFields;
  extended: Map<string, string>;
}

export function parseEventWrite(body: Record<string, unknown>): EventWrite {
  const fields: EventFields = {};
  const extended = new Map<string, string>();
  for (const [name, value] of Object.entries(body)) {
    if (name === "singleValueExtendedProperties") {
      for (const property of extendedProperties(value)) extended.set(property.id, property.value);
    } else if (NOT_MODELLED.includes(name)) {
      throw notModelled(`the event's ${name}`);
    } else if (WRITABLE.has(name)) {
      fields[name] = structuredClone(value);
    } else if (!READ_ONLY.has(name)) {
      throw badRequest(
        "RequestBodyRead",
        `The property '${name}' does not exist on type 'microsoft.graph.event'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
      );
    }
  }
  if (fields.body !== undefined) fields.body = itemBody(fields.body);
  return { fields, extended };
}

function extendedProperties(value: unknown): { id: string; value: string }[] {
  if (!Array.isArray(value)) throw badRequest("RequestBodyRead", "singleValueExtendedProperties must be a collection.");
  return value.map((p: { id?: unknown; value?: unknown }) => {
    if (typeof p?.id !== "string" || !p.id.trim() || typeof p.value !== "string") {
      throw badRequest("ErrorInvalidExtendedProperty", "An extended property needs a string id and a string value.");
    }
    return { id: p.id, value: p.value };
  });
}

function itemBody(value: unknown): { contentType: "text" | "html"; content: string } {
  const body = (value ?? {}) as { contentType?: unknown; content?: unknown };
  const contentType = String(body.contentType ?? "text").toLowerCase();
  if (contentType !== "text" && contentType !== "html")
    throw badRequest("RequestBodyRead", `'${String(body.contentType)}' is not a valid body contentType.`);
  return { contentType, content: typeof body.content === "string" ? body.content : "" };
}

/** The times of a complete (created or patched) event, checked as Outlook checks them. */
export interface EventTimes {
  start: DateTime;
  end: DateTime;
  isAllDay: boolean;
  recurrence?: PatternedRecurrence;
}

export function checkTimes(fields: EventFields): EventTimes {
  if (fields.start === undefined || fields.end === undefined)
    throw invalidRequest("Your request can't be completed. An event needs a start and an end.");
  const start = parseDateTimeTimeZone(fields.start as DateTimeTimeZone, "start");
  const end = parseDateTimeTimeZone(fields.end as DateTimeTimeZone, "end");
  if (end < start) throw badRequest("ErrorCalendarEndDateIsEarlierThanStartDate", "The end date occurs before the start date.");
  const isAllDay = fields.isAllDay === true;
  if (isAllDay) {
    const midnight = (t: DateTime) => t.hour === 0 && t.minute === 0 && t.second === 0 && t.millisecond === 0;
    const days = end.diff(start, "days").days;
    if (!midnight(start) || !midnight(end) || days < 1 || !Number.isInteger(Math.round(days * 1e6) / 1e6)) {
      throw invalidRequest(
        "Your request can't be completed. If an event is marked as all-day, its start and end must be at midnight and at least 24 hours apart.",
      );
    }
  }
  const recurrence = fields.recurrence ? normalizeRecurrence(fields.recurrence, (fields.start as DateTimeTimeZone).timeZone ?? "UTC") : undefined;
  return { start, end, isAllDay, recurrence };
}

/** Stored times keep the wall clock and zone name the client gave (answers report them as originalStartTimeZone). */
export function storedTime(time: DateTime, given: unknown): DateTimeTimeZone {
  return { dateTime: formatWallClock(time), timeZone: (given as DateTimeTimeZone).timeZone ?? "UTC" };
}

/** Defaults of a new event, as in the docs' create responses. */
export function newEventDefaults(): EventFields {
  return {
    allowNewTimeProposals: true,
    attendees: [],
    body: { contentType: "html", content: "" },
    categories: [],
    hideAttendees: false,
    importance: "normal",
    isAllDay: false,
    isOnlineMeeting: false,
    isReminderOn: true,
    location: {},
    locations: [],
    onlineMeetingProvider: "unknown",
    recurrence: null,
    reminderMinutesBeforeStart: 15,
    responseRequested: true,
    sensitivity: "normal",
    showAs: "busy",
    subject: "",
    transactionId: null,
  };
}

/**
 * Keeps **location** and **locations** in step ("event resource type": updating location replaces
 * the locations; the docs' example writes both). Given locations alone, location names them all.
 */
export function alignLocations(changes: EventFields): EventFields {
  if (changes.location !== undefined) {
    const location = locationResource(changes.location);
    return { ...changes, location, locations: changes.locations ?? (location.displayName ? [locationResource(changes.location)] : []) };
  }
  if (changes.locations !== undefined) {
    const locations = (changes.locations as unknown[]).map(locationResource);
    return { ...changes, locations, location: locationResource({ displayName: locations.map((l) => l.displayName).join("; ") }) };
  }
  return changes;
}

function locationResource(value: unknown): { displayName?: string; [key: string]: unknown } {
  const location = { ...((value ?? {}) as Record<string, unknown>) };
  if (typeof location.displayName === "string" && location.displayName) {
    return { locationType: "default", uniqueId: location.displayName, uniqueIdType: "private", ...location };
  }
  return location;
}

/** What an answer shows for the stored body: HTML unless `Prefer: outlook.body-content-type="text"` ("Get event"). */
export function renderBody(stored: unknown, preferred: "text" | "html" | undefined): { contentType: string; content: string } {
  const body = stored as { contentType: "text" | "html"; content: string };
  if (preferred === "text") return { contentType: "text", content: body.contentType === "html" ? htmlToText(body.content) : body.content };
  if (body.contentType === "html" || body.content === "") {
    const content = body.content === "" || /<html/i.test(body.content) ? body.content : wrapHtml(body.content);
    return { contentType: "html", content };
  }
  return { contentType: "html", content: wrapHtml(`<div>${escapeHtml(body.content).replace(/\r?\n/g, "<br>")}</div>`) };
}

export function bodyPreview(stored: unknown): string {
  const body = stored as { contentType: "text" | "html"; content: string };
  return (body.contentType === "html" ? htmlToText(body.content) : body.content).replace(/\s+/g, " ").trim().slice(0, 255);
}

function wrapHtml(inner: string): string {
  return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>${inner}</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function htmlToText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/gi, "")
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .trim();
}

/** Attendees as Graph answers them: a type and a response status even when the writer gave neither. */
export function renderAttendees(value: unknown): unknown[] {
  return ((value as Record<string, unknown>[] | undefined) ?? []).map((attendee) => ({
    type: "required",
    status: { response: "none", time: "0001-01-01T00:00:00Z" },
    ...attendee,
  }));
}
