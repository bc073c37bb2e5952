// Operators (R4) and their provider accounts.
import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindings, operators, tasks } from "../schema.js";

export type OperatorRow = typeof operators.$inferSelect;
export type OperatorValues = Omit<typeof operators.$inferInsert, "createdAt" | "updatedAt">;

export async function operatorById(db: Db, id: string): Promise<OperatorRow | null> {
  const [row] = await db.select().from(operators).where(eq(operators.id, id));
  return row ?? null;
}

export function listOperators(db: Db): Promise<OperatorRow[]> {
  return db.select().from(operators).orderBy(asc(operators.name), asc(operators.id));
}

export async function insertOperator(db: Db, values: OperatorValues): Promise<OperatorRow> {
  const [row] = await db.insert(operators).values(values).returning();
  return row;
}

export async function updateOperator(db: Db, id: string, change: Partial<Omit<OperatorValues, "id">>): Promise<OperatorRow> {
  const [row] = await db
    .update(operators)
    .set({ ...change, updatedAt: new Date() })
    .where(eq(operators.id, id))
    .returning();
  return row;
}

/** Removes an operator; its bindings go with it (their events stay in the calendars, R15). */
export async function deleteOperator(db: Db, id: string): Promise<void> {
  await db.delete(operators).where(eq(operators.id, id));
}

/** Tasks the operator owns, tombstones included. */
export async function operatorTaskCount(db: Db, id: string): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(tasks).where(eq(tasks.operatorId, id));
  return n;
}

export async function operatorCalendarNames(db: Db, id: string): Promise<string[]> {
  const rows = await db.select({ name: bindings.calendarName }).from(bindings).where(eq(bindings.operatorId, id));
  return rows.map((row) => row.name);
}
