import { DateTime } from "luxon";
import { invalidRequest } from "./graph-errors.js";

/**
 * Graph's patternedRecurrence ("recurrencePattern resource type", "recurrenceRange resource type"):
 * a pattern (daily, weekly, absoluteMonthly, relativeMonthly, absoluteYearly, relativeYearly, each
 * every `interval` units) and a range from `startDate` to an inclusive `endDate`, for
 * `numberOfOccurrences`, or without end. Dates are on the wall clock of `recurrenceTimeZone`.
 */
export interface PatternedRecurrence {
  pattern: {
    type: PatternType;
    interval: number;
    daysOfWeek: DayOfWeek[];
    firstDayOfWeek: DayOfWeek;
    dayOfMonth: number;
    month: number;
    index: WeekIndex;
  };
  range: {
    type: "endDate" | "noEnd" | "numbered";
    startDate: string;
    endDate: string;
    numberOfOccurrences: number;
    recurrenceTimeZone: string;
  };
}

type PatternType = "daily" | "weekly" | "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly";
type DayOfWeek = "sunday" | "monday" | "tuesday" | "wednesday" | "thursday" | "friday" | "saturday";
type WeekIndex = "first" | "second" | "third" | "fourth" | "last";

const PATTERN_TYPES: PatternType[] = ["daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly"];
/** In luxon's numbering, Monday = 1 … Sunday = 7. */
const WEEKDAYS: Record<DayOfWeek, number> = { monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7 };
const INDEXES: WeekIndex[] = ["first", "second", "third", "fourth", "last"];
/** Expansion stops here whatever the range says; a fake needs no more. */
const MAX_STEPS = 10_000;

/**
 * Validates a client's recurrence and fills the defaults Graph answers with (month 0, dayOfMonth 0,
 * firstDayOfWeek sunday, index first; a range without end has endDate 0001-01-01). Type names are
 * matched without regard to case: older pages spell the range types `EndDate`, `NoEnd`, `Numbered`.
 */
export function normalizeRecurrence(input: unknown, startTimeZone: string): PatternedRecurrence {
  const value = (input ?? {}) as { pattern?: Record<string, unknown>; range?: Record<string, unknown> };
  const pattern = value.pattern ?? {};
  const range = value.range ?? {};
  const type = PATTERN_TYPES.find((t) => t.toLowerCase() === String(pattern.type ?? "").toLowerCase());
  if (!type) throw invalidRequest(`The recurrence pattern type '${String(pattern.type)}' is not valid.`);
  const interval = Number(pattern.interval ?? 1);
  if (!Number.isInteger(interval) || interval < 1) throw invalidRequest("The recurrence pattern interval must be a positive integer.");
  const daysOfWeek = ((pattern.daysOfWeek as string[] | undefined) ?? []).map((d) => dayOfWeek(d));
  if (["weekly", "relativeMonthly", "relativeYearly"].includes(type) && daysOfWeek.length === 0) {
    throw invalidRequest(`daysOfWeek is required for a ${type} recurrence pattern.`);
  }
  const dayOfMonth = Number(pattern.dayOfMonth ?? 0);
  if ((type === "absoluteMonthly" || type === "absoluteYearly") && !(dayOfMonth >= 1 && dayOfMonth <= 31)) {
    throw invalidRequest(`dayOfMonth is required for a ${type} recurrence pattern.`);
  }
  const month = Number(pattern.month ?? 0);
  if ((type === "absoluteYearly" || type === "relativeYearly") && !(month >= 1 && month <= 12)) {
    throw invalidRequest(`month is required for a ${type} recurrence pattern.`);
  }
  const index = INDEXES.find((i) => i === String(pattern.index ?? "first").toLowerCase());
  if (!index) throw invalidRequest(`The week index '${String(pattern.index)}' is not valid.`);
  const rangeType = (["endDate", "noEnd", "numbered"] as const).find((t) => t.toLowerCase() === String(range.type ?? "").toLowerCase());
  if (!rangeType) throw invalidRequest(`The recurrence range type '${String(range.type)}' is not valid.`);
  const startDate = isoDate(range.startDate, "startDate");
  const endDate = rangeType === "endDate" ? isoDate(range.endDate, "endDate") : "0001-01-01";
  if (rangeType === "endDate" && endDate < startDate) throw invalidRequest("The recurrence range endDate is before its startDate.");
  const numberOfOccurrences = rangeType === "numbered" ? Number(range.numberOfOccurrences ?? 0) : 0;
  if (rangeType === "numbered" && !(Number.isInteger(numberOfOccurrences) && numberOfOccurrences >= 1)) {
    throw invalidRequest("numberOfOccurrences must be a positive integer for a numbered recurrence range.");
  }
  return {
    pattern: {
      type,
      interval,
      daysOfWeek,
      firstDayOfWeek: pattern.firstDayOfWeek === undefined ? "sunday" : dayOfWeek(pattern.firstDayOfWeek),
      dayOfMonth,
      month,
      index,
    },
    range: {
      type: rangeType,
      startDate,
      endDate,
      numberOfOccurrences,
      recurrenceTimeZone: typeof range.recurrenceTimeZone === "string" && range.recurrenceTimeZone ? range.recurrenceTimeZone : startTimeZone,
    },
  };
}

/**
 * The dates (yyyy-MM-dd, in order) on which the series occurs, up to and including `until`. The count
 * of a numbered range includes occurrences that were deleted since, as Outlook counts them.
 */
export function occurrenceDates(recurrence: PatternedRecurrence, until: string): string[] {
  const { pattern, range } = recurrence;
  const start = DateTime.fromISO(range.startDate, { zone: "utc" });
  const last = range.type === "endDate" && range.endDate < until ? range.endDate : until;
  const limit = range.type === "numbered" ? range.numberOfOccurrences : Number.POSITIVE_INFINITY;
  const dates: string[] = [];
  for (let step = 0; step < MAX_STEPS && dates.length < limit; step++) {
    const candidates = datesOfStep(pattern, start, step);
    if (candidates.length === 0 || candidates[0].toISODate()! > last) break;
    for (const date of candidates) {
      const iso = date.toISODate()!;
      if (iso < range.startDate) continue;
      if (iso > last || dates.length >= limit) break;
      dates.push(iso);
    }
  }
  return dates;
}

/** The candidate dates of the `step`-th period (day, week, month or year) after the range's start. */
function datesOfStep(pattern: PatternedRecurrence["pattern"], start: DateTime, step: number): DateTime[] {
  const n = step * pattern.interval;
  switch (pattern.type) {
    case "daily":
      return [start.plus({ days: n })];
    case "weekly": {
      const first = WEEKDAYS[pattern.firstDayOfWeek];
      const weekStart = start.minus({ days: (start.weekday - first + 7) % 7 }).plus({ weeks: n });
      return pattern.daysOfWeek.map((d) => weekStart.plus({ days: (WEEKDAYS[d] - first + 7) % 7 })).sort((a, b) => a.toMillis() - b.toMillis());
    }
    case "absoluteMonthly":
      return [dayOfMonthIn(start.startOf("month").plus({ months: n }), pattern.dayOfMonth)];
    case "relativeMonthly":
      return nthWeekdayIn(start.startOf("month").plus({ months: n }), pattern);
    case "absoluteYearly":
      return [dayOfMonthIn(start.startOf("year").plus({ years: n, months: pattern.month - 1 }), pattern.dayOfMonth)];
    case "relativeYearly":
      return nthWeekdayIn(start.startOf("year").plus({ years: n, months: pattern.month - 1 }), pattern);
  }
}

/** The given day of the month; a month too short for it gets its last day (Outlook's "day 31 of every month"). */
function dayOfMonthIn(monthStart: DateTime, day: number): DateTime {
  return monthStart.set({ day: Math.min(day, monthStart.daysInMonth!) });
}

/** The first…fourth or last of the days in the month that fall on one of `daysOfWeek`. */
function nthWeekdayIn(monthStart: DateTime, pattern: PatternedRecurrence["pattern"]): DateTime[] {
  const wanted = new Set(pattern.daysOfWeek.map((d) => WEEKDAYS[d]));
  const matching: DateTime[] = [];
  for (let day = monthStart; day.month === monthStart.month; day = day.plus({ days: 1 })) if (wanted.has(day.weekday)) matching.push(day);
  const chosen = pattern.index === "last" ? matching[matching.length - 1] : matching[INDEXES.indexOf(pattern.index)];
  return chosen ? [chosen] : [];
}

function dayOfWeek(value: unknown): DayOfWeek {
  const name = String(value).toLowerCase();
  if (!(name in WEEKDAYS)) throw invalidRequest(`'${String(value)}' is not a valid day of the week.`);
  return name as DayOfWeek;
}

function isoDate(value: unknown, property: string): string {
  const parsed = typeof value === "string" ? DateTime.fromISO(value, { zone: "utc" }) : undefined;
  if (!parsed?.isValid) throw invalidRequest(`The recurrence range ${property} is required and must be a date.`);
  return parsed.toISODate()!;
}
