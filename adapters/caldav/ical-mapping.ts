// The neutral event data on a VEVENT and back. Writing touches only the
// properties the neutral form owns, so whatever else a calendar client put on
// the event (alarms, attendees, categories...) survives an update.
import ICAL from "ical.js";
import { type EventData, type EventTime, Permanent } from "../types.js";
import { eventTimeOf, icalTimeOf, vtimezoneFor } from "./timezones.js";

export type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/**
 * privateProperties travel as `X-TASKCAL-PRIVATE;X-TASKCAL-KEY=<key>:<value>`:
 * property names are case-insensitive and limited to letters, digits and
 * dashes, so the key rides in a parameter, where it keeps its spelling.
 */
const PRIVATE_PROPERTY = "x-taskcal-private";
const PRIVATE_KEY = "x-taskcal-key";
const PRODID = "-//taskcal//CalDAV adapter//EN";

export function parseCalendar(ics: string): Component {
  try {
    const root = new ICAL.Component(ICAL.parse(ics));
    if (root.name !== "vcalendar") throw new Error(`a ${root.name} instead of a VCALENDAR`);
    return root;
  } catch (error) {
    throw new Permanent(`unreadable calendar resource: ${(error as Error).message}`);
  }
}

export function newCalendar(): Component {
  const calendar = new ICAL.Component("vcalendar");
  calendar.addPropertyWithValue("prodid", PRODID);
  calendar.addPropertyWithValue("version", "2.0");
  return calendar;
}

function tzidOf(component: Component, name: string): string | undefined {
  const value = component.getFirstProperty(name)?.getParameter("tzid");
  return typeof value === "string" ? value : undefined;
}

export function timeOf(component: Component, name: string): Time | undefined {
  const value = component.getFirstPropertyValue(name);
  return value instanceof ICAL.Time ? value : undefined;
}

export function eventTimeOfProperty(component: Component, name: string): EventTime | undefined {
  const time = timeOf(component, name);
  return time ? eventTimeOf(time, tzidOf(component, name)) : undefined;
}

/** Start and end of a VEVENT; a missing end follows RFC 5545 §3.6.1. */
export function startAndEnd(vevent: Component): { start: EventTime; end: EventTime } | undefined {
  const start = timeOf(vevent, "dtstart");
  if (!start) return undefined;
  const tzid = tzidOf(vevent, "dtstart");
  if (timeOf(vevent, "dtend")) {
    return { start: eventTimeOf(start, tzid), end: eventTimeOfProperty(vevent, "dtend")! };
  }
  const end = start.clone();
  const duration = vevent.getFirstPropertyValue("duration");
  if (duration instanceof ICAL.Duration) end.addDuration(duration);
  else if (start.isDate) end.adjust(1, 0, 0, 0);
  return { start: eventTimeOf(start, tzid), end: eventTimeOf(end, tzid) };
}

export function privatePropertiesOf(vevent: Component): Record<string, string> | undefined {
  const entries = vevent.getAllProperties(PRIVATE_PROPERTY).flatMap((property) => {
    const key = property.getParameter(PRIVATE_KEY);
    const value = property.getFirstValue();
    return typeof key === "string" ? [[decodeURIComponent(key), String(value ?? "")] as const] : [];
  });
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** The text fields and private properties of a VEVENT (times are read by the caller). */
export function textFieldsOf(vevent: Component): Omit<EventData, "start" | "end"> {
  const text = (name: string) => {
    const value = vevent.getFirstPropertyValue(name);
    return value === null || value === undefined ? undefined : String(value);
  };
  const fields: Omit<EventData, "start" | "end"> = { summary: text("summary") ?? "" };
  const description = text("description");
  const location = text("location");
  const privateProperties = privatePropertiesOf(vevent);
  if (description !== undefined) fields.description = description;
  if (location !== undefined) fields.location = location;
  if (privateProperties) fields.privateProperties = privateProperties;
  return fields;
}

/** LAST-MODIFIED (or DTSTAMP) as an ISO instant. */
export function updatedOf(vevent: Component): string | undefined {
  const time = timeOf(vevent, "last-modified") ?? timeOf(vevent, "dtstamp");
  return time ? time.toJSDate().toISOString() : undefined;
}

/** A DATE or DATE-TIME property (the type is set before the value: resetType clears it). */
export function dateProperty(name: string, time: Time, parent: Component): InstanceType<typeof ICAL.Property> {
  const property = new ICAL.Property(name, parent);
  if (time.isDate) property.resetType("date");
  property.setValue(time);
  return property;
}

function setTime(calendar: Component, vevent: Component, name: string, value: EventTime): void {
  const { time, tzid } = icalTimeOf(value);
  vevent.removeAllProperties(name);
  const property = vevent.addProperty(dateProperty(name, time, vevent));
  if (!tzid) return;
  property.setParameter("tzid", tzid);
  const known = calendar.getAllSubcomponents("vtimezone").some((vtimezone) => vtimezone.getFirstPropertyValue("tzid") === tzid);
  if (!known) calendar.addSubcomponent(vtimezoneFor(tzid, time.year - 1, time.year + 1));
}

function setText(vevent: Component, name: string, value: string | undefined): void {
  if (value === undefined || value === "") vevent.removeAllProperties(name);
  else vevent.updatePropertyWithValue(name, value);
}

function stamp(vevent: Component, name: string): void {
  vevent.updatePropertyWithValue(name, ICAL.Time.fromJSDate(new Date(), true));
}

/**
 * Writes `data` onto a VEVENT of `calendar` (VTIMEZONEs are added to the
 * calendar as needed). Replaces exactly what EventData describes; a
 * description or location it leaves undefined is not the caller's and stays.
 */
export function applyEventData(calendar: Component, vevent: Component, data: EventData): void {
  const start = icalTimeOf(data.start).time;
  const end = icalTimeOf(data.end).time;
  if (start.isDate !== end.isDate) throw new Permanent("start and end must both be dates or both date-times");
  if (end.compare(start) < 0) throw new Permanent("the event ends before it starts");
  setText(vevent, "summary", data.summary);
  if (data.description !== undefined) setText(vevent, "description", data.description);
  if (data.location !== undefined) setText(vevent, "location", data.location);
  setTime(calendar, vevent, "dtstart", data.start);
  vevent.removeAllProperties("duration");
  setTime(calendar, vevent, "dtend", data.end);
  vevent.removeAllProperties(PRIVATE_PROPERTY);
  for (const [key, value] of Object.entries(data.privateProperties ?? {})) {
    const property = new ICAL.Property(PRIVATE_PROPERTY, vevent);
    property.resetType("text");
    property.setParameter(PRIVATE_KEY, encodeURIComponent(key));
    property.setValue(value);
    vevent.addProperty(property);
  }
  const sequence = vevent.getFirstPropertyValue("sequence");
  vevent.updatePropertyWithValue("sequence", typeof sequence === "number" ? sequence + 1 : 0);
  stamp(vevent, "dtstamp");
  stamp(vevent, "last-modified");
}

/** A new VEVENT with its UID, holding `data`. */
export function newEvent(calendar: Component, uid: string, data: EventData): Component {
  const vevent = new ICAL.Component("vevent");
  vevent.addPropertyWithValue("uid", uid);
  stamp(vevent, "created");
  // Added after its data, so that the VTIMEZONEs it needs come first.
  applyEventData(calendar, vevent, data);
  calendar.addSubcomponent(vevent);
  return vevent;
}
