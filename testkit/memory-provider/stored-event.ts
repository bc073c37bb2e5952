// One event as the memory provider stores it, and the copies it hands out.
import { DateTime } from "luxon";
import type { CalendarEvent, EventData, EventTime } from "../../adapters/types.js";

/**
 * What a person can set on an event beside the fields taskcal writes
 * (attendees, reminders, colour...): carried in the event's resource, kept by
 * every update that starts from that resource (R18).
 */
export type ForeignFields = Record<string, unknown>;

/** One stored event; deleted ones stay as tombstones so incremental listings can report them. */
export interface StoredEvent {
  event: CalendarEvent;
  foreign: ForeignFields;
  deleted: boolean;
  /** The change sequence number of its last change. */
  seq: number;
  /** Listed as unreadable and refused by getEvent (a malformed resource). */
  unreadable?: boolean;
}

/** The opaque resource the memory provider hands out: the whole stored event. */
export interface MemoryResource {
  data: EventData;
  foreign: ForeignFields;
}

export function pickFlags(event: CalendarEvent | undefined): Pick<CalendarEvent, "recurringEventId" | "originalStart" | "readOnly" | "statusOnly"> {
  if (!event) return {};
  return {
    ...(event.recurringEventId ? { recurringEventId: event.recurringEventId, originalStart: event.originalStart } : {}),
    ...(event.readOnly ? { readOnly: true } : {}),
    ...(event.statusOnly ? { statusOnly: true } : {}),
  };
}

/** The event's data fields, without what the provider owns. */
export function dataOf(event: CalendarEvent): EventData {
  const {
    id: _id,
    etag: _etag,
    updated: _updated,
    resource: _resource,
    recurringEventId: _r,
    originalStart: _o,
    readOnly: _ro,
    statusOnly: _so,
    ...data
  } = event;
  return data;
}

export function definedOnly(data: EventData): Partial<EventData> {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
}

/** A copy for callers, carrying the whole stored event as its opaque resource. */
export function withResource(stored: StoredEvent): CalendarEvent {
  const event = structuredClone(stored.event);
  const resource: MemoryResource = { data: dataOf(event), foreign: structuredClone(stored.foreign) };
  return { ...event, resource };
}

/** An event end as epoch milliseconds; all-day dates count from UTC midnight. */
export function endInstant(time: EventTime): number {
  return "date" in time ? Date.parse(`${time.date}T00:00:00Z`) : Date.parse(time.dateTime);
}

export function shiftDays(time: EventTime, days: number): EventTime {
  if ("date" in time) return { date: DateTime.fromISO(time.date, { zone: "utc" }).plus({ days }).toISODate()! };
  // Shift the wall-clock time in the event's zone, so a daily 9:00 stays 9:00 across DST.
  const start = DateTime.fromISO(time.dateTime, { zone: time.timeZone ?? "utc", setZone: !time.timeZone });
  return { ...time, dateTime: start.plus({ days }).toISO({ suppressMilliseconds: true })! };
}

/** Google's instance id suffix: the original start in UTC, or the date of an all-day one. */
export function instanceStamp(start: EventTime): string {
  if ("date" in start) return start.date.replace(/-/g, "");
  return DateTime.fromISO(start.dateTime, { zone: "utc" }).toFormat("yyyyMMdd'T'HHmmss'Z'");
}
