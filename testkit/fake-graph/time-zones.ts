import { DateTime } from "luxon";
import { badRequest } from "./graph-errors.js";

/**
 * Graph's dateTimeTimeZone: a wall-clock `dateTime` without offset and a `timeZone` name, Windows
 * ("Pacific Standard Time") or IANA ("Europe/Warsaw"); answers write "2017-04-15T11:00:00.0000000".
 * Only the Windows names below are known to the fake; others are refused like an unknown zone.
 */
const WINDOWS_ZONES: Record<string, string> = {
  UTC: "UTC",
  "Coordinated Universal Time": "UTC",
  "tzone://Microsoft/Utc": "UTC",
  "GMT Standard Time": "Europe/London",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "W. Europe Standard Time": "Europe/Berlin",
  "Central European Standard Time": "Europe/Warsaw",
  "Central Europe Standard Time": "Europe/Budapest",
  "Romance Standard Time": "Europe/Paris",
  "E. Europe Standard Time": "Europe/Chisinau",
  "FLE Standard Time": "Europe/Kiev",
  "Russian Standard Time": "Europe/Moscow",
  "Eastern Standard Time": "America/New_York",
  "Central Standard Time": "America/Chicago",
  "Mountain Standard Time": "America/Denver",
  "Pacific Standard Time": "America/Los_Angeles",
  "India Standard Time": "Asia/Kolkata",
  "China Standard Time": "Asia/Shanghai",
  "Tokyo Standard Time": "Asia/Tokyo",
  "AUS Eastern Standard Time": "Australia/Sydney",
};

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

/** The IANA zone for a Graph time zone name; 400 TimeZoneNotSupportedException for names the fake does not know. */
export function ianaZone(name: string | undefined): string {
  const zone = name === undefined || name === "" ? undefined : (WINDOWS_ZONES[name] ?? name);
  if (!zone || !DateTime.now().setZone(zone).isValid) {
    throw badRequest(
      "TimeZoneNotSupportedException",
      `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${name ?? ""}'.`,
    );
  }
  return zone;
}

/** A dateTimeTimeZone as a luxon DateTime in its own zone. */
export function parseDateTimeTimeZone(value: DateTimeTimeZone | undefined, property: string): DateTime {
  if (!value || typeof value.dateTime !== "string") throw badRequest("ErrorInvalidRequest", `The property '${property}' is required.`);
  const parsed = DateTime.fromISO(value.dateTime, { zone: ianaZone(value.timeZone ?? "UTC") });
  if (!parsed.isValid) throw badRequest("ErrorInvalidRequest", `Cannot convert the literal '${value.dateTime}' to the expected type 'Edm.DateTime'.`);
  return parsed;
}

/** Graph's wall-clock format with seven fractional digits: "2017-04-15T11:00:00.0000000". */
export function formatWallClock(time: DateTime): string {
  return `${time.toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")}0000`;
}

/** An instant as Graph's DateTimeOffset in UTC, e.g. createdDateTime "2017-04-15T03:00:50.7570000Z". */
export function formatTimestamp(millis: number): string {
  return `${new Date(millis).toISOString().slice(0, 23)}0000Z`;
}

/** A window bound of calendarView/delta: ISO 8601, UTC unless it carries an offset. */
export function parseWindowBound(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = DateTime.fromISO(value, { zone: "utc" });
  if (!parsed.isValid) throw badRequest("ErrorInvalidParameter", `The parameter '${name}' is invalid: '${value}'.`);
  return parsed.toMillis();
}
