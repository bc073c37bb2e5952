import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventTypes, operators, tasks } from "../../db/schema.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

describe(`database triggers (${backend})`, () => {
  let database: TestDatabase;
  let typeId: string;
  let operatorId: string;
  beforeAll(async () => {
    database = await openTestDatabase();
    [{ id: typeId }] = await database.db.insert(eventTypes).values({ name: "Meeting", syncEnabled: true }).returning();
    [{ id: operatorId }] = await database.db.insert(operators).values({ name: "Anna" }).returning();
  });
  afterAll(() => database?.close());

  const newTask = (subject: string) => ({
    subject,
    eventTypeId: typeId,
    operatorId,
    startAt: new Date("2026-12-01T09:00:00Z"),
    endAt: new Date("2026-12-01T10:00:00Z"),
  });

  it("R7: numbers count up per year as N/YYYY", async () => {
    const [a] = await database.db.insert(tasks).values(newTask("a")).returning();
    const [b] = await database.db.insert(tasks).values(newTask("b")).returning();
    const year = Number(a.number.split("/")[1]);
    expect(year).toBeGreaterThanOrEqual(2026);
    expect(Number(b.number.split("/")[0])).toBe(Number(a.number.split("/")[0]) + 1);
  });

  it("R7: parallel inserts never share a number", async () => {
    const made = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        database.db
          .insert(tasks)
          .values(newTask(`p${i}`))
          .returning(),
      ),
    );
    const numbers = made.map(([t]) => t.number);
    expect(new Set(numbers).size).toBe(40);
  });

  it("versions bump on real changes only, and numbers cannot be changed", async () => {
    const [t] = await database.db.insert(tasks).values(newTask("v")).returning();
    expect(t.version).toBe(1);
    const [same] = await database.db.update(tasks).set({ subject: "v" }).where(eq(tasks.id, t.id)).returning();
    expect(same.version).toBe(1);
    const [changed] = await database.db.update(tasks).set({ subject: "v2", number: "999/1999" }).where(eq(tasks.id, t.id)).returning();
    expect(changed.version).toBe(2);
    expect(changed.number).toBe(t.number);
    expect(changed.updatedAt.getTime()).toBeGreaterThan(t.updatedAt.getTime());
  });

  it("R7: a hard delete by any client leaves a tombstone", async () => {
    const [t] = await database.db.insert(tasks).values(newTask("d")).returning();
    await database.db.delete(tasks).where(eq(tasks.id, t.id));
    const [after] = await database.db.select().from(tasks).where(eq(tasks.id, t.id));
    expect(after.deleted).toBe(true);
    expect(after.version).toBe(2);
  });

  it("a purge inside a transaction that allows it removes the row", async () => {
    const [t] = await database.db.insert(tasks).values(newTask("purge")).returning();
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('taskcal.allow_purge', 'on', true)`);
      await tx.delete(tasks).where(eq(tasks.id, t.id));
    });
    expect(await database.db.select().from(tasks).where(eq(tasks.id, t.id))).toHaveLength(0);
  });

  it("NOTIFY names the operator and type of every task write", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const stop = await database.notifier.listen("taskcal_tasks", (p) => seen.push(JSON.parse(p)));
    const [t] = await database.db.insert(tasks).values(newTask("n")).returning();
    await expect.poll(() => seen.find((s) => s.taskId === t.id)).toMatchObject({ operatorId, eventTypeId: typeId, version: 1 });
    await stop();
  });
});
