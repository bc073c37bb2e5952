// Times between the neutral form (ISO instant + IANA zone) and iCalendar
// (wall-clock + TZID, UTC, or whole dates). IANA names are resolved with the
// platform's zone data; VTIMEZONE blocks are only consulted for TZIDs that
// are not IANA names (Outlook's "W. Europe Standard Time" and the like).
import ICAL from "ical.js";
import { DateTime, IANAZone } from "luxon";
import { type EventTime, Permanent } from "../types.js";

type Time = InstanceType<typeof ICAL.Time>;
type Component = InstanceType<typeof ICAL.Component>;

/** Zone names already checked: luxon builds an Intl formatter per check, and every time of every event asks. */
const ianaZones = new Map<string, boolean>();

function isIanaZone(tzid: string | undefined): tzid is string {
  if (!tzid) return false;
  let valid = ianaZones.get(tzid);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(tzid);
    if (ianaZones.size >= 1024) ianaZones.clear();
    ianaZones.set(tzid, valid);
  }
  return valid;
}

function wallClock(time: Time) {
  return { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };
}

/** The instant of a date-time value, given the TZID of its property. */
export function instantOf(time: Time, tzid: string | undefined): number {
  if (time.zone?.tzid === "UTC") return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
  if (isIanaZone(tzid)) return DateTime.fromObject(wallClock(time), { zone: tzid }).toMillis();
  // A VTIMEZONE of the same resource (ical.js links it when parsing).
  if (tzid && time.zone?.component) return time.toUnixTime() * 1000;
  // Floating time: no zone to go by; read it as UTC.
  return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

function dateString(time: Time): string {
  return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}`;
}

/** A DTSTART/DTEND style value as a neutral EventTime. */
export function eventTimeOf(time: Time, tzid: string | undefined): EventTime {
  if (time.isDate) return { date: dateString(time) };
  const instant = instantOf(time, tzid);
  if (isIanaZone(tzid)) {
    const dateTime = DateTime.fromMillis(instant, { zone: tzid }).toISO({ suppressMilliseconds: true });
    return { dateTime: dateTime!, timeZone: tzid };
  }
  return { dateTime: new Date(instant).toISOString().replace(".000Z", "Z") };
}

/** The iCalendar value for a neutral time, and the TZID it needs (if any). */
export function icalTimeOf(value: EventTime): { time: Time; tzid?: string } {
  if ("date" in value) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value.date)) throw new Permanent(`invalid date ${JSON.stringify(value.date)}`);
    return { time: ICAL.Time.fromDateString(value.date) };
  }
  const parsed = DateTime.fromISO(value.dateTime, { setZone: true });
  if (!parsed.isValid) throw new Permanent(`invalid date-time ${JSON.stringify(value.dateTime)}`);
  if (value.timeZone === undefined || value.timeZone === "UTC") {
    return { time: ICAL.Time.fromJSDate(parsed.toJSDate(), true) };
  }
  if (!isIanaZone(value.timeZone)) throw new Permanent(`unknown time zone ${JSON.stringify(value.timeZone)}`);
  const local = parsed.setZone(value.timeZone);
  const time = ICAL.Time.fromData({
    year: local.year,
    month: local.month,
    day: local.day,
    hour: local.hour,
    minute: local.minute,
    second: local.second,
    isDate: false,
  });
  return { time, tzid: value.timeZone };
}

const DAY = 86_400_000;

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** Built VTIMEZONEs (jCal) by zone and years: finding the changes takes tens of milliseconds, every event of a zone needs one. */
const vtimezones = new Map<string, unknown[]>();

/**
 * A VTIMEZONE for an IANA zone, spelling out each offset change in
 * [fromYear, toYear]: RFC 5545 wants one for every TZID used, and servers
 * (Radicale among them) read the times through it.
 */
export function vtimezoneFor(tzid: string, fromYear: number, toYear: number): Component {
  const key = `${tzid} ${fromYear} ${toYear}`;
  let jcal = vtimezones.get(key);
  if (!jcal) {
    jcal = buildVtimezone(tzid, fromYear, toYear).toJSON() as unknown[];
    if (vtimezones.size >= 256) vtimezones.clear();
    vtimezones.set(key, jcal);
  }
  // biome-ignore lint/suspicious/noExplicitAny: ical.js types jCal as any[]
  return new ICAL.Component(structuredClone(jcal) as any[]);
}

function buildVtimezone(tzid: string, fromYear: number, toYear: number): Component {
  const vtimezone = new ICAL.Component("vtimezone");
  vtimezone.addPropertyWithValue("tzid", tzid);
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone: tzid }).offset;
  const observance = (at: number, from: number, to: number) => {
    const zoned = DateTime.fromMillis(at, { zone: tzid });
    const component = new ICAL.Component(zoned.isInDST ? "daylight" : "standard");
    // DTSTART of an observance is the wall-clock time just before the change.
    const local = new Date(at + from * 60_000);
    component.addPropertyWithValue(
      "dtstart",
      ICAL.Time.fromData({
        year: local.getUTCFullYear(),
        month: local.getUTCMonth() + 1,
        day: local.getUTCDate(),
        hour: local.getUTCHours(),
        minute: local.getUTCMinutes(),
        second: 0,
        isDate: false,
      }),
    );
    component.addPropertyWithValue("tzoffsetfrom", ICAL.UtcOffset.fromString(offsetText(from)));
    component.addPropertyWithValue("tzoffsetto", ICAL.UtcOffset.fromString(offsetText(to)));
    component.addPropertyWithValue("tzname", zoned.offsetNameShort ?? tzid);
    vtimezone.addSubcomponent(component);
  };

  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear + 1, 0, 1);
  observance(start, offsetAt(start), offsetAt(start));
  for (let day = start; day < end; day += DAY) {
    const before = offsetAt(day);
    if (offsetAt(day + DAY) === before) continue;
    // Narrow the change down to the minute.
    let low = day;
    let high = day + DAY;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (offsetAt(mid) === before) low = mid;
      else high = mid;
    }
    observance(high, before, offsetAt(high));
  }
  return vtimezone;
}
