// Outlook events ("event resource type") as calendar events and back. taskcal
// owns the subject, the body, the location when the binding shows it, the
// times, and its two single-value extended properties: the creation key (so a
// repeated create finds its first attempt) and the private properties (the
// task id among them), as JSON. A PATCH names only these, so whatever else
// the event has — attendees, categories, reminders, online meetings — stays.
import { DateTime } from "luxon";
import type { CalendarEvent, EventData, EventTime } from "../public.js";
import { graphWritableZone, ianaZoneOf } from "./time-zones.js";

/** taskcal's property set: a GUID of its own, so its names never meet another application's. */
const PROPERTY_SET = "{0b7c2f9e-53a4-4c1d-9e8a-6d1f2b3c4a5e}";
export const KEY_PROPERTY = `String ${PROPERTY_SET} Name taskcalKey`;
export const PRIVATE_PROPERTY = `String ${PROPERTY_SET} Name taskcalPrivate`;

/** `$expand` that brings both properties along (delta pages cannot: "event: delta"). */
export const EXPAND_PROPERTIES = `singleValueExtendedProperties($filter=id eq '${KEY_PROPERTY}' or id eq '${PRIVATE_PROPERTY}')`;

interface GraphTime {
  dateTime: string;
  timeZone: string;
}

export interface GraphEvent {
  id: string;
  "@odata.etag"?: string;
  changeKey?: string;
  subject?: string | null;
  body?: { contentType?: string; content?: string } | null;
  location?: { displayName?: string } | null;
  start?: GraphTime;
  end?: GraphTime;
  isAllDay?: boolean;
  isCancelled?: boolean;
  isOrganizer?: boolean;
  originalStartTimeZone?: string | null;
  originalEndTimeZone?: string | null;
  lastModifiedDateTime?: string;
  seriesMasterId?: string | null;
  originalStart?: string | null;
  type?: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
  singleValueExtendedProperties?: { id: string; value: string }[];
  "@removed"?: { reason?: string };
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The private properties an event carries, if it was read with them. */
export function privatePropertiesOf(event: GraphEvent | undefined): Record<string, string> | undefined {
  const value = event?.singleValueExtendedProperties?.find((p) => sameId(p.id, PRIVATE_PROPERTY))?.value;
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" ? (parsed as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The body of a create or a PATCH: what `data` owns. `known` are the private
 * properties the event had when last read with them, kept beside the
 * caller's (Graph stores the JSON whole).
 */
export function toGraphEvent(data: EventData, known?: Record<string, string>): Record<string, unknown> {
  const allDay = "date" in data.start;
  return {
    subject: data.summary,
    body: { contentType: "text", content: data.description ?? "" },
    ...(data.location !== undefined ? { location: { displayName: data.location } } : {}),
    isAllDay: allDay,
    start: toGraphTime(data.start),
    end: toGraphTime(data.end),
    ...(data.privateProperties
      ? { singleValueExtendedProperties: [{ id: PRIVATE_PROPERTY, value: JSON.stringify({ ...known, ...data.privateProperties }) }] }
      : {}),
  };
}

/** All-day: midnight to midnight (Graph's rule for isAllDay); timed: the wall clock in the task's zone when Graph takes it, else UTC. */
function toGraphTime(time: EventTime): GraphTime {
  if ("date" in time) return { dateTime: `${time.date}T00:00:00`, timeZone: "UTC" };
  const zone = graphWritableZone(time.timeZone);
  const at = DateTime.fromISO(time.dateTime, { setZone: true }).setZone(zone ?? "UTC");
  return { dateTime: at.toFormat("yyyy-MM-dd'T'HH:mm:ss"), timeZone: zone ?? "UTC" };
}

export function fromGraphEvent(event: GraphEvent): CalendarEvent {
  const privateProperties = privatePropertiesOf(event);
  const description = event.body?.content ?? "";
  const location = event.location?.displayName ?? "";
  return {
    id: event.id,
    etag: event["@odata.etag"] ?? event.changeKey ?? "",
    summary: event.subject ?? "",
    ...(description ? { description } : {}),
    ...(location ? { location } : {}),
    start: fromGraphTime(event.start, event.isAllDay, event.originalStartTimeZone),
    end: fromGraphTime(event.end, event.isAllDay, event.originalEndTimeZone),
    ...(privateProperties ? { privateProperties } : {}),
    ...(event.lastModifiedDateTime ? { updated: event.lastModifiedDateTime } : {}),
    ...(event.seriesMasterId ? { recurringEventId: event.seriesMasterId } : {}),
    ...(event.originalStart ? { originalStart: { dateTime: event.originalStart } } : {}),
    // An invitation from someone else: changing it here would not reach the organizer's event, and their next update undoes it.
    ...(event.isOrganizer === false ? { readOnly: true } : {}),
    resource: event,
  };
}

function fromGraphTime(time: GraphTime | undefined, allDay: boolean | undefined, originalZone: string | null | undefined): EventTime {
  if (!time?.dateTime) return { dateTime: "" };
  if (allDay) return { date: time.dateTime.slice(0, 10) };
  const zone = ianaZoneOf(time.timeZone) ?? "UTC";
  const at = DateTime.fromISO(time.dateTime, { zone });
  if (!at.isValid) return { dateTime: time.dateTime };
  const own = ianaZoneOf(originalZone);
  return { dateTime: at.toUTC().toISO({ suppressMilliseconds: true })!, ...(own ? { timeZone: own } : {}) };
}
