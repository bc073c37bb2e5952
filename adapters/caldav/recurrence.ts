// A calendar resource as neutral events: one event, or a series expanded
// into occurrences (overrides and EXDATEs applied), plus the editing of a
// single occurrence inside its series resource.
import ICAL from "ical.js";
import { type CalendarEvent, type EventData, NotFound } from "../types.js";
import { applyEventData, type Component, dateProperty, startAndEnd, textFieldsOf, timeOf, updatedOf } from "./ical-mapping.js";
import { eventTimeOf, instantOf } from "./timezones.js";

type Time = InstanceType<typeof ICAL.Time>;

/**
 * Epoch ms bounds: events ending before `from` are left out. A series (whose
 * RRULE may never end) is expanded from `seriesFrom` to `horizon` past now,
 * or past its first start when that lies further ahead.
 */
export interface ExpansionRange {
  from?: number;
  seriesFrom: number;
  now: number;
  horizon: number;
}

/** Guards against runaway rules (a secondly RRULE from 1970...). */
const MAX_ITERATIONS = 20_000;
const DAY = 86_400_000;

/** `<resource id>@<recurrence id>`, the recurrence id in UTC (`20240105T090000Z`) or a date (`20240105`). */
export function occurrenceId(resourceId: string, key: string): string {
  return `${resourceId}@${key}`;
}

export function splitEventId(eventId: string): { resourceId: string; key?: string } {
  const match = /^(.+)@(\d{8}(?:T\d{6}Z)?)$/.exec(eventId);
  return match ? { resourceId: match[1], key: match[2] } : { resourceId: eventId };
}

function tzidOf(component: Component, name: string): string | undefined {
  const value = component.getFirstProperty(name)?.getParameter("tzid");
  return typeof value === "string" ? value : undefined;
}

function compact(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function recurrenceKey(time: Time, tzid: string | undefined): string {
  if (time.isDate) return `${compact(time.year, 4)}${compact(time.month)}${compact(time.day)}`;
  return new Date(instantOf(time, tzid)).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function keyInstant(key: string): number {
  const [, y, m, d, hh = "0", mm = "0", ss = "0"] = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(key)!;
  return Date.UTC(+y, +m - 1, +d, +hh, +mm, +ss);
}

function endInstant(event: Pick<CalendarEvent, "end">): number {
  // A date end is exclusive; without the viewer's zone, read it generously.
  return "date" in event.end ? Date.parse(event.end.date) + DAY : Date.parse(event.end.dateTime);
}

function isCancelled(vevent: Component): boolean {
  return String(vevent.getFirstPropertyValue("status") ?? "").toUpperCase() === "CANCELLED";
}

function eventOf(vevent: Component, id: string, etag: string): CalendarEvent | undefined {
  const times = startAndEnd(vevent);
  if (!times) return undefined;
  const event: CalendarEvent = { id, etag, ...textFieldsOf(vevent), ...times };
  const updated = updatedOf(vevent);
  if (updated) event.updated = updated;
  return event;
}

export function masterOf(calendar: Component): Component | undefined {
  const vevents = calendar.getAllSubcomponents("vevent");
  return vevents.find((vevent) => !vevent.hasProperty("recurrence-id")) ?? vevents[0];
}

function isSeries(master: Component): boolean {
  return master.hasProperty("rrule") || master.hasProperty("rdate");
}

interface Occurrence {
  key: string;
  recurrenceId: Time;
  /** The overriding VEVENT, when the occurrence has one. */
  override?: Component;
  start: Time;
  end: Time;
}

/** The occurrences of a series in order; callers stop reading when they have what they need. */
function* occurrences(calendar: Component, master: Component): Generator<Occurrence> {
  const series = new ICAL.Event(master);
  for (const vevent of calendar.getAllSubcomponents("vevent")) {
    if (vevent !== master && vevent.hasProperty("recurrence-id")) series.relateException(vevent);
  }
  const tzid = tzidOf(master, "dtstart");
  const iterator = series.iterator();
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const next = iterator.next();
    if (!next) return;
    const details = series.getOccurrenceDetails(next);
    yield {
      key: recurrenceKey(details.recurrenceId, tzid),
      recurrenceId: details.recurrenceId,
      override: details.item.component === master ? undefined : details.item.component,
      start: details.startDate,
      end: details.endDate,
    };
  }
}

/**
 * The live events of a resource inside `range`, and the ids it reports gone
 * (a cancelled event, cancelled or EXDATE'd occurrences).
 */
export function eventsOfResource(
  calendar: Component,
  resourceId: string,
  etag: string,
  range: ExpansionRange,
): { events: CalendarEvent[]; deletedIds: string[] } {
  const master = masterOf(calendar);
  if (!master) return { events: [], deletedIds: [] };
  if (isCancelled(master)) return { events: [], deletedIds: [resourceId] };
  const inRange = (event: CalendarEvent) => range.from === undefined || endInstant(event) >= range.from;
  if (!isSeries(master)) {
    const event = eventOf(master, resourceId, etag);
    return { events: event && inRange(event) ? [event] : [], deletedIds: [] };
  }

  const tzid = tzidOf(master, "dtstart");
  const to = Math.max(range.now, instantOf(timeOf(master, "dtstart")!, tzid)) + range.horizon;
  const events: CalendarEvent[] = [];
  const deletedIds: string[] = [];
  for (const occurrence of occurrences(calendar, master)) {
    if (keyInstant(occurrence.key) > to) break;
    const id = occurrenceId(resourceId, occurrence.key);
    const source = occurrence.override ?? master;
    if (isCancelled(source)) {
      deletedIds.push(id);
      continue;
    }
    const event: CalendarEvent = {
      ...eventOf(source, id, etag)!,
      recurringEventId: resourceId,
      originalStart: eventTimeOf(occurrence.recurrenceId, tzid),
    };
    if (!occurrence.override) {
      event.start = eventTimeOf(occurrence.start, tzid);
      event.end = eventTimeOf(occurrence.end, tzid);
    }
    if (inRange(event) && endInstant(event) >= range.seriesFrom) events.push(event);
  }
  for (const exdate of master.getAllProperties("exdate")) {
    for (const value of exdate.getValues()) {
      if (!(value instanceof ICAL.Time)) continue;
      const key = recurrenceKey(value, tzid);
      const at = keyInstant(key);
      if (at <= to && at + DAY >= Math.max(range.from ?? -Infinity, range.seriesFrom)) {
        deletedIds.push(occurrenceId(resourceId, key));
      }
    }
  }
  return { events, deletedIds };
}

/** The event (or occurrence) with `eventId` in a resource, or null when it has none such. */
export function eventInResource(calendar: Component, eventId: string, etag: string): CalendarEvent | null {
  const { resourceId, key } = splitEventId(eventId);
  const master = masterOf(calendar);
  if (!master || isCancelled(master)) return null;
  if (!key) return eventOf(master, resourceId, etag) ?? null;
  const { events } = eventsOfResource(calendar, resourceId, etag, { seriesFrom: -Infinity, now: keyInstant(key), horizon: 0 });
  return events.find((event) => event.id === eventId) ?? null;
}

function findOccurrence(calendar: Component, master: Component, key: string): Occurrence | undefined {
  const until = keyInstant(key);
  for (const occurrence of occurrences(calendar, master)) {
    if (occurrence.key === key) return occurrence;
    if (keyInstant(occurrence.key) > until) return undefined;
  }
  return undefined;
}

/** A value of the series' DTSTART form (same TZID, date or date-time) for RECURRENCE-ID and EXDATE. */
function addSeriesTime(target: Component, name: string, master: Component, time: Time): void {
  const property = target.addProperty(dateProperty(name, time.clone(), target));
  const tzid = tzidOf(master, "dtstart");
  if (tzid) property.setParameter("tzid", tzid);
}

/** Writes `data` onto one occurrence of the series: its override VEVENT, made from the series when missing. */
export function overrideOccurrence(calendar: Component, key: string, data: EventData): void {
  const master = masterOf(calendar);
  const occurrence = master && isSeries(master) ? findOccurrence(calendar, master, key) : undefined;
  if (!master || !occurrence) throw new NotFound(`no occurrence ${key} in the series`);
  let override = occurrence.override;
  if (!override) {
    override = new ICAL.Component(structuredClone(master.toJSON()));
    for (const name of ["rrule", "rdate", "exdate"]) override.removeAllProperties(name);
    addSeriesTime(override, "recurrence-id", master, occurrence.recurrenceId);
    calendar.addSubcomponent(override);
  }
  applyEventData(calendar, override, data);
}

/** Removes one occurrence: EXDATE on the series, its override dropped. False when it was already gone. */
export function excludeOccurrence(calendar: Component, key: string): boolean {
  const master = masterOf(calendar);
  const occurrence = master && isSeries(master) ? findOccurrence(calendar, master, key) : undefined;
  if (!master || !occurrence) return false;
  if (occurrence.override) calendar.removeSubcomponent(occurrence.override);
  addSeriesTime(master, "exdate", master, occurrence.recurrenceId);
  return true;
}
