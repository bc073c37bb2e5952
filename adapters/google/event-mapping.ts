import type { calendar_v3 } from "@googleapis/calendar";
import type { CalendarEvent, EventData, EventTime } from "../types.js";

type GoogleEvent = calendar_v3.Schema$Event;
type GoogleTime = calendar_v3.Schema$EventDateTime;

/** The full resource for insert and update; fields left out are cleared by an update, as intended. */
export function toGoogleEvent(data: EventData): GoogleEvent {
  return {
    summary: data.summary,
    description: data.description,
    location: data.location,
    start: toGoogleTime(data.start),
    end: toGoogleTime(data.end),
    extendedProperties: data.privateProperties ? { private: { ...data.privateProperties } } : undefined,
    // An update of a cancelled event with this status revives it.
    status: "confirmed",
  };
}

export function fromGoogleEvent(event: GoogleEvent): CalendarEvent {
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
  };
}

function toGoogleTime(time: EventTime): GoogleTime {
  return "date" in time ? { date: time.date } : { dateTime: time.dateTime, timeZone: time.timeZone };
}

function fromGoogleTime(time: GoogleTime | undefined): EventTime {
  if (time?.date) return { date: time.date };
  return { dateTime: time?.dateTime ?? "", ...(time?.timeZone ? { timeZone: time.timeZone } : {}) };
}
