// R8: the sync window starts at the beginning of the day `monthsBack` months ago, in the settings' zone.
import { DateTime } from "luxon";
import type { SyncTask } from "./task-model";

export interface SyncWindow {
  /** First day inside the window, YYYY-MM-DD. */
  startDate: string;
  /** The same moment as an instant. */
  startInstant: Date;
}

export function syncWindow(now: Date, monthsBack: number, timeZone: string): SyncWindow {
  const start = DateTime.fromJSDate(now, { zone: timeZone }).minus({ months: monthsBack }).startOf("day");
  return { startDate: start.toISODate()!, startInstant: start.toJSDate() };
}

/** A task is inside when its end is on or after the window start. */
export function taskInWindow(task: Pick<SyncTask, "allDay" | "endAt" | "endDate">, window: SyncWindow): boolean {
  if (task.allDay) return task.endDate !== null && task.endDate >= window.startDate;
  return task.endAt !== null && task.endAt.getTime() >= window.startInstant.getTime();
}
