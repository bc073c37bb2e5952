// Task types (R3) as the API reads and writes them.
import { asc, count, eq, inArray } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindings, type DisplayConfig, eventTypes, links, operators, tasks } from "../schema.js";

export type EventTypeRow = typeof eventTypes.$inferSelect;

export async function eventTypeById(db: Db, id: string): Promise<EventTypeRow | null> {
  const [row] = await db.select().from(eventTypes).where(eq(eventTypes.id, id));
  return row ?? null;
}

export async function eventTypeIdByName(db: Db, name: string): Promise<string | null> {
  const [row] = await db.select({ id: eventTypes.id }).from(eventTypes).where(eq(eventTypes.name, name));
  return row?.id ?? null;
}

export async function eventTypesByIds(db: Db, ids: string[]): Promise<EventTypeRow[]> {
  return ids.length ? db.select().from(eventTypes).where(inArray(eventTypes.id, ids)) : [];
}

export function listEventTypes(db: Db): Promise<EventTypeRow[]> {
  return db.select().from(eventTypes).orderBy(asc(eventTypes.name));
}

export async function insertEventType(db: Db, values: { name: string; syncEnabled: boolean; display: DisplayConfig }): Promise<EventTypeRow> {
  const [row] = await db.insert(eventTypes).values(values).returning();
  return row;
}

export async function updateEventType(
  db: Db,
  id: string,
  patch: Partial<Pick<EventTypeRow, "name" | "syncEnabled" | "display">>,
): Promise<EventTypeRow> {
  const [row] = await db
    .update(eventTypes)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(eventTypes.id, id))
    .returning();
  return row;
}

export async function deleteEventType(db: Db, id: string): Promise<void> {
  await db.delete(eventTypes).where(eq(eventTypes.id, id));
}

/** Who binds the type, to which calendar name, by operator name. */
export function bindingsOfType(db: Db, id: string): Promise<{ operator: string; calendarName: string }[]> {
  return db
    .select({ operator: operators.name, calendarName: bindings.calendarName })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .where(eq(bindings.eventTypeId, id))
    .orderBy(asc(operators.name));
}

/** Tasks (tombstones included) and bindings that use the type. */
export async function usageOfType(db: Db, id: string): Promise<{ tasks: number; bindings: number }> {
  const [{ n: taskCount }] = await db.select({ n: count() }).from(tasks).where(eq(tasks.eventTypeId, id));
  const [{ n: bindingCount }] = await db.select({ n: count() }).from(bindings).where(eq(bindings.eventTypeId, id));
  return { tasks: taskCount, bindings: bindingCount };
}

/**
 * The type's displayed fields changed: every event of it is to be shown again
 * (its link no longer reflects any task version, so each binding rewrites it
 * over what the calendar holds, at the account's pace).
 */
export async function rerenderEventsOfType(db: Db, id: string): Promise<void> {
  const ofType = db.select({ id: bindings.id }).from(bindings).where(eq(bindings.eventTypeId, id));
  await db.update(links).set({ syncedVersion: 0 }).where(inArray(links.bindingId, ofType));
}
