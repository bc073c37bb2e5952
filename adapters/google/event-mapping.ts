import type { calendar_v3 } from "@googleapis/calendar";
import type { CalendarEvent, EventData, EventTime } from "../types.js";

type GoogleEvent = calendar_v3.Schema$Event;
type GoogleTime = calendar_v3.Schema$EventDateTime;

/** Event types that are statuses, not appointments (Google's "Event types" guide): never synced. */
const STATUS_TYPES = new Set(["outOfOffice", "focusTime", "workingLocation", "birthday"]);

/**
 * The resource to send: `data` (the fields the caller owns) written over
 * `base`, the event as Google last showed it, so that attendees, reminders,
 * colour, conference data and attachments travel back unchanged (R18). A
 * location the caller does not own stays as it was; other private properties
 * are kept beside the caller's.
 */
export function toGoogleEvent(data: EventData, base: GoogleEvent = {}): GoogleEvent {
  return {
    ...base,
    summary: data.summary,
    description: data.description,
    ...(data.location !== undefined ? { location: data.location } : {}),
    start: toGoogleTime(data.start),
    end: toGoogleTime(data.end),
    extendedProperties: data.privateProperties
      ? { ...base.extendedProperties, private: { ...base.extendedProperties?.private, ...data.privateProperties } }
      : base.extendedProperties,
    // An update of a cancelled event with this status revives it.
    status: "confirmed",
  };
}

export function fromGoogleEvent(event: GoogleEvent): CalendarEvent {
  const type = event.eventType ?? "default";
  return {
    id: event.id!,
    etag: event.etag!,
    summary: event.summary ?? "",
    ...(event.description ? { description: event.description } : {}),
    ...(event.location ? { location: event.location } : {}),
    start: fromGoogleTime(event.start),
    end: fromGoogleTime(event.end),
    ...(event.extendedProperties?.private ? { privateProperties: { ...event.extendedProperties.private } } : {}),
    ...(event.updated ? { updated: event.updated } : {}),
    ...(event.recurringEventId ? { recurringEventId: event.recurringEventId } : {}),
    ...(event.originalStartTime ? { originalStart: fromGoogleTime(event.originalStartTime) } : {}),
    // Google refuses most changes to events it made from Gmail (flights, reservations).
    ...(type === "fromGmail" ? { readOnly: true } : {}),
    ...(STATUS_TYPES.has(type) ? { statusOnly: true } : {}),
    resource: event,
  };
}

function toGoogleTime(time: EventTime): GoogleTime {
  return "date" in time ? { date: time.date } : { dateTime: time.dateTime, timeZone: time.timeZone };
}

function fromGoogleTime(time: GoogleTime | undefined): EventTime {
  if (time?.date) return { date: time.date };
  return { dateTime: time?.dateTime ?? "", ...(time?.timeZone ? { timeZone: time.timeZone } : {}) };
}
