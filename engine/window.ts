// R8: the sync window starts at the beginning of the day `monthsBack` months ago, in the settings' zone.
import { DateTime } from "luxon";
import type { EventData } from "../adapters/types.js";
import type { TaskRecord } from "../db/queries/tasks.js";

export interface SyncWindow {
  /** First day inside the window, YYYY-MM-DD. */
  startDate: string;
  /** The same moment as an instant. */
  startInstant: Date;
}

/** Windows by minute, months and zone: every pass of every binding asks, and luxon's zone arithmetic is not cheap. */
const windows = new Map<string, SyncWindow>();

export function syncWindow(now: Date, monthsBack: number, timeZone: string): SyncWindow {
  // Days start on a whole minute in every zone, so one minute has one window.
  const key = `${Math.floor(now.getTime() / 60_000)} ${monthsBack} ${timeZone}`;
  let window = windows.get(key);
  if (!window) {
    const start = DateTime.fromJSDate(now, { zone: timeZone }).minus({ months: monthsBack }).startOf("day");
    window = { startDate: start.toISODate()!, startInstant: start.toJSDate() };
    if (windows.size >= 64) windows.clear();
    windows.set(key, window);
  }
  return window;
}

/** A task is inside when its end is on or after the window start. */
export function taskInWindow(task: Pick<TaskRecord, "allDay" | "endAt" | "endDate">, window: SyncWindow): boolean {
  if (task.allDay) return task.endDate !== null && task.endDate >= window.startDate;
  return task.endAt !== null && task.endAt.getTime() >= window.startInstant.getTime();
}

/**
 * An event is inside when its end is after the window start (calendar ends
 * are exclusive). An end that cannot be read counts as inside: the event is
 * then reported as unusable rather than silently left out.
 */
export function eventEndsInWindow(event: Pick<EventData, "end">, window: SyncWindow): boolean {
  const end = event.end;
  if ("date" in end) return end.date > window.startDate;
  return !(new Date(end.dateTime).getTime() < window.startInstant.getTime());
}
