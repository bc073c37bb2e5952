// What Google does to one event resource on a write or a listing: the fields
// a client may set, the rules some event types carry, tombstones, time bounds.
import { DateTime } from "luxon";
import { GoogleApiError, invalid } from "./google-errors.js";
import type { GoogleEvent, GoogleEventTime } from "./resources.js";

/** Fields the server owns; a client's values for them are ignored. */
const SERVER_FIELDS = ["kind", "etag", "created", "updated", "iCalUID", "sequence", "htmlLink", "recurringEventId", "originalStartTime"];

export function clientFields(body: Partial<GoogleEvent>): Partial<GoogleEvent> {
  const fields: Partial<GoogleEvent> = structuredClone(body);
  for (const name of SERVER_FIELDS) delete fields[name];
  return fields;
}

export function seriesFields(event: GoogleEvent): Partial<GoogleEvent> {
  return event.recurringEventId ? { recurringEventId: event.recurringEventId, originalStartTime: event.originalStartTime } : {};
}

/** Fields of an event from Gmail (flights, reservations) that Google does not let an API client change. */
const GMAIL_LOCKED = ["summary", "description", "location", "start", "end"] as const;

export function refuseGmailChanges(current: GoogleEvent, next: Partial<GoogleEvent>): void {
  if (current.eventType !== "fromGmail") return;
  const changed = GMAIL_LOCKED.filter((field) => JSON.stringify(current[field] ?? null) !== JSON.stringify(next[field] ?? null));
  if (changed.length) throw invalid(`Events from Gmail cannot change ${changed.join(", ")}.`);
}

export function requireTimes(body: Partial<GoogleEvent>): void {
  if (!body.start || !(body.start.date || body.start.dateTime)) throw new GoogleApiError(400, "required", "Missing start time.");
  if (!body.end || !(body.end.date || body.end.dateTime)) throw new GoogleApiError(400, "required", "Missing end time.");
}

/** What Google sends for a deleted event: little more than its id. */
export function tombstone(event: GoogleEvent): GoogleEvent {
  return {
    kind: "calendar#event",
    etag: event.etag,
    id: event.id,
    status: "cancelled",
    ...seriesFields(event),
  };
}

export function parseBound(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  // Google requires an RFC 3339 timestamp with a mandatory offset.
  if (!/(Z|[+-]\d\d:\d\d)$/i.test(value) || Number.isNaN(Date.parse(value))) throw invalid(`Bad Request: invalid ${name}`);
  return Date.parse(value);
}

/** An event time as epoch milliseconds; all-day dates start at midnight in the calendar's zone. */
export function instantOf(time: GoogleEventTime | undefined, calendarTimeZone: string): number {
  if (!time) return Number.POSITIVE_INFINITY;
  if (time.date) return DateTime.fromISO(time.date, { zone: calendarTimeZone }).toMillis();
  return Date.parse(time.dateTime ?? "");
}
