import ICAL from "ical.js";
import { DateTime } from "luxon";
import { invalid } from "./google-errors.js";
import type { GoogleEvent, GoogleEventTime } from "./resources.js";

/** Expansion stops here, like Google's own bounded instance lists. */
const MAX_INSTANCES = 1000;
const HORIZON_YEARS = 2;

/**
 * The instances of a recurring event, per its RRULE (DAILY/WEEKLY with COUNT,
 * UNTIL, INTERVAL, BYDAY — whatever ical.js understands). Occurrences are
 * computed on the wall clock of the event's zone, so 9:00 stays 9:00 across DST.
 */
export function expandInstances(master: GoogleEvent, calendarTimeZone: string): GoogleEvent[] {
  const rule = master.recurrence?.find((line) => line.startsWith("RRULE:"));
  if (!rule || !master.start || !master.end) return [];
  const recur = ICAL.Recur.fromString(rule.slice("RRULE:".length));
  const allDay = master.start.date !== undefined;
  const zone = master.start.timeZone ?? calendarTimeZone;
  const start = toLocal(master.start, zone);
  const end = toLocal(master.end, master.end.timeZone ?? zone);
  const horizon = DateTime.max(DateTime.now(), start).plus({ years: HORIZON_YEARS });
  const iterator = recur.iterator(
    ICAL.Time.fromData({
      year: start.year,
      month: start.month,
      day: start.day,
      hour: start.hour,
      minute: start.minute,
      second: start.second,
      isDate: allDay,
    }),
  );
  const instances: GoogleEvent[] = [];
  for (let next = iterator.next(); next && instances.length < MAX_INSTANCES; next = iterator.next()) {
    const occurrence = DateTime.fromObject(
      { year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second },
      { zone },
    );
    if (occurrence > horizon) break;
    const instanceStart = fromLocal(occurrence, allDay, master.start.timeZone);
    const { recurrence: _recurrence, ...fields } = master;
    instances.push({
      ...fields,
      id: `${master.id}_${instanceStamp(instanceStart)}`,
      recurringEventId: master.id,
      originalStartTime: instanceStart,
      start: instanceStart,
      end: fromLocal(occurrence.plus(end.diff(start)), allDay, master.end.timeZone),
    });
  }
  return instances;
}

/** `<id>_<suffix>`: the original start in UTC (`20250303T080000Z`), or the date of an all-day one. */
export function instanceStamp(start: GoogleEventTime): string {
  if (start.date) return start.date.replace(/-/g, "");
  return DateTime.fromISO(start.dateTime!, { zone: "utc" }).toFormat("yyyyMMdd'T'HHmmss'Z'");
}

function toLocal(time: GoogleEventTime, zone: string): DateTime {
  const parsed = time.date ? DateTime.fromISO(time.date, { zone }) : DateTime.fromISO(time.dateTime ?? "", { zone });
  if (!parsed.isValid) throw invalid("Invalid start or end time.");
  return parsed;
}

function fromLocal(time: DateTime, allDay: boolean, timeZone: string | undefined): GoogleEventTime {
  if (allDay) return { date: time.toISODate()! };
  return { dateTime: time.toISO({ suppressMilliseconds: true })!, ...(timeZone ? { timeZone } : {}) };
}
