import { createHash } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The event id for a task in one calendar, the same on every attempt so an
 * insert can be repeated safely (R13). Google accepts 5–1024 characters of
 * base32hex ([a-v0-9]) and keeps the ids of deleted events reserved across the
 * account's calendars, so the calendar is part of the id: a task that lands
 * in another calendar (a move, a re-bind) never meets a cancelled copy of
 * itself. A UUID's hex digits stay readable at the front, followed by eight
 * digits of the calendar's digest; other task ids are hashed with it.
 */
export function eventIdForTaskId(taskId: string, calendarId: string): string {
  if (UUID.test(taskId)) return `${taskId.replace(/-/g, "").toLowerCase()}${hex(calendarId).slice(0, 8)}`;
  return hex(`${taskId}\n${calendarId}`);
}
