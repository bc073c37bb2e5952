import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindingState, bindings, eventTypes, operators, tasks } from "../../db/schema.js";
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

  describe("a binding's waiting mark (lag)", () => {
    let bindingId: string;
    let operatorOfBinding: string;
    beforeAll(async () => {
      const [operator] = await database.db.insert(operators).values({ name: "Jan" }).returning();
      [{ id: bindingId }] = await database.db
        .insert(bindings)
        .values({ operatorId: operator.id, eventTypeId: typeId, calendarName: "Jan" })
        .returning();
      await database.db.insert(bindingState).values({ bindingId, pushPendingSince: null });
      operatorOfBinding = operator.id;
    });
    const mark = async () => (await database.db.select().from(bindingState).where(eq(bindingState.bindingId, bindingId)))[0].pushPendingSince;
    const clear = () => database.db.update(bindingState).set({ pushPendingSince: null }).where(eq(bindingState.bindingId, bindingId));

    it("any write to a task of the binding, and a move away from it, marks since when a change waits; the first mark stays", async () => {
      await clear();
      const [t] = await database.db
        .insert(tasks)
        .values({ ...newTask("m"), operatorId: operatorOfBinding })
        .returning();
      const first = await mark();
      expect(first).toBeInstanceOf(Date);
      await database.db.update(tasks).set({ subject: "m2" }).where(eq(tasks.id, t.id));
      expect(await mark()).toEqual(first);
      await clear();
      // Moving the task to another operator still concerns this binding: its event must go.
      await database.db.update(tasks).set({ operatorId }).where(eq(tasks.id, t.id));
      expect(await mark()).toBeInstanceOf(Date);
      await clear();
      // A write that changes nothing is no change.
      await database.db.update(tasks).set({ subject: "m2" }).where(eq(tasks.id, t.id));
      expect(await mark()).toBeNull();
    });

    // PGlite has one connection: two transactions at once need a server.
    it.skipIf(backend !== "postgres")("a client's task write never waits for the engine holding the binding's row", async () => {
      await clear();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const engine = database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1 from binding_state where binding_id = ${bindingId} for update`);
        locked();
        await held;
      });
      await isLocked;
      // Would wait for ever (and fail the test by its timeout) if the trigger waited for the lock.
      await database.db.insert(tasks).values({ ...newTask("while locked"), operatorId: operatorOfBinding });
      release();
      await engine;
    });
  });
});
