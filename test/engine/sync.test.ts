// The engine end to end on a real database with the memory calendar provider.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { AuthRevoked, Transient } from "../../adapters/types.js";
import { actorView } from "../../db/queries/actors.js";
import { journalOf } from "../../db/queries/journal.js";
import { bindings, journal, tasks } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { seedOperator } from "../../testkit/seed.js";
import { type EngineWorld, startEngineWorld } from "./engine-harness.js";

let world: EngineWorld;
afterEach(() => world?.close());

describe(`engine with the memory provider (${backend})`, () => {
  it("R9/R13: a CRM task appears as one event, with one write, and nothing echoes back", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const task = await world.addTask({ subject: "Oferta handlowa" });
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await world.settle();
    const [event] = world.memory.events(cal);
    expect(event.summary).toBe(`Oferta handlowa - (${task.number})`);
    expect(event.description).toContain("Customer: ACME");
    expect(event.description).toContain("Budget: 10k");
    expect(world.memory.writeCount(cal)).toBe(1);

    await world.database.db.update(tasks).set({ subject: "Oferta 2" }).where(eq(tasks.id, task.id));
    await expect.poll(() => world.memory.events(cal)[0].summary).toBe(`Oferta 2 - (${task.number})`);
    world.supervisor.command(world.bindingId, "sync");
    await world.settle();
    expect(world.memory.writeCount(cal)).toBe(2);
  });

  it("R10: a calendar-made event becomes a numbered task and shows its number", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const made = world.memory.userCreateEvent(cal, {
      summary: "Lunch with client",
      description: "At noon",
      start: { dateTime: new Date(Date.now() + 86_400_000).toISOString() },
      end: { dateTime: new Date(Date.now() + 90_000_000).toISOString() },
    });
    await world.supervisor.command(world.bindingId, "sync");
    let row: typeof tasks.$inferSelect | undefined;
    await expect
      .poll(async () => {
        [row] = await world.database.db.select().from(tasks).where(eq(tasks.subject, "Lunch with client"));
        return row?.number;
      })
      .toMatch(/^\d+\/\d{4}$/);
    await world.settle();
    expect(row!.description).toBe("At noon");
    expect(world.memory.events(cal)).toHaveLength(1);
    expect(world.memory.events(cal)[0].summary).toBe(`Lunch with client - (${row!.number})`);
    expect(world.memory.writeCount(cal)).toBe(1);

    // Feature lines edited in the calendar change nothing in the CRM.
    const shown = world.memory.events(cal)[0];
    world.memory.userUpdateEvent(cal, made.id, { summary: `Lunch moved - (${row!.number})`, description: `${shown.description}\nBudget: 1M` });
    await world.supervisor.command(world.bindingId, "sync");
    await expect.poll(async () => (await world.task(row!.id)).subject).toBe("Lunch moved");
    expect((await world.task(row!.id)).features).toEqual({});
  });

  it("R10: a weekly series becomes one task per occurrence", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const start = new Date(Date.now() + 86_400_000);
    world.memory.userCreateSeries(
      cal,
      { summary: "Weekly review", start: { dateTime: start.toISOString() }, end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() } },
      { freq: "WEEKLY", count: 4 },
    );
    await world.supervisor.command(world.bindingId, "sync");
    await expect.poll(async () => (await world.database.db.select().from(tasks).where(eq(tasks.subject, "Weekly review"))).length).toBe(4);
    await world.settle();
    expect(world.memory.events(cal)).toHaveLength(4);
  });

  it("R11: deletions flow both ways", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const a = await world.addTask({ subject: "A" });
    const b = await world.addTask({ subject: "B" });
    await expect.poll(() => world.memory.events(cal).length).toBe(2);
    await world.settle();
    await world.database.db.delete(tasks).where(eq(tasks.id, a.id)); // any client's hard delete
    await expect.poll(() => world.memory.events(cal).map((e) => e.summary)).toEqual([`B - (${b.number})`]);
    world.memory.userDeleteEvent(cal, world.memory.events(cal)[0].id);
    await world.supervisor.command(world.bindingId, "sync");
    await expect.poll(async () => (await world.task(b.id)).deleted).toBe(true);
    expect((await world.task(a.id)).deleted).toBe(true);
  });

  it("R11: moving a task to another operator moves its event to that calendar", async () => {
    world = await startEngineWorld();
    const db = world.database.db;
    const other = await seedOperator(db, world.providers, world.secrets, { name: "Jan", provider: "memory", useConfigToken: true });
    const [otherBinding] = await db.insert(bindings).values({ operatorId: other.id, eventTypeId: world.typeId, calendarName: "Jan" }).returning();
    await world.waitForState("incremental", otherBinding.id);
    const task = await world.addTask();
    const cal = await world.calendarId();
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await db.update(tasks).set({ operatorId: other.id }).where(eq(tasks.id, task.id));
    const janCal = world.memory.calendars(world.account).find((c) => c.name === "Jan")!.id;
    await expect.poll(() => [world.memory.events(cal).length, world.memory.events(janCal).length]).toEqual([0, 1]);
  });

  it.each([
    ["crm-wins", "CRM side"],
    ["google-wins", "Calendar side"],
    ["latest-wins", "Calendar side"],
  ])("R12: with %s, a task changed on both sides ends as the %s, and the journal says so", async (policy, winner) => {
    world = await startEngineWorld({ conflictPolicy: policy });
    await world.settle();
    const cal = await world.calendarId();
    const task = await world.addTask({ subject: "Original" });
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await world.settle();
    await world.supervisor.command(world.bindingId, "pause");
    await world.waitForState("paused");
    await world.database.db.update(tasks).set({ subject: "CRM side" }).where(eq(tasks.id, task.id));
    await new Promise((r) => setTimeout(r, 20));
    world.memory.userUpdateEvent(cal, world.memory.events(cal)[0].id, { summary: `Calendar side - (${task.number})` });
    await world.supervisor.command(world.bindingId, "resume");
    await world.settle();
    expect((await world.task(task.id)).subject).toBe(winner);
    expect(world.memory.events(cal)[0].summary).toBe(`${winner} - (${task.number})`);
    const entries = await journalOf(world.database.db, world.bindingId, 50);
    expect(entries!.some((e) => e.action === "conflict" && e.detail!.includes(policy))).toBe(true);
    expect((await actorView(world.database.db, world.bindingId))!.stats.conflicts).toBe(1);
  });

  it("R13: an event written before a crash is adopted, not duplicated", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    await world.supervisor.stop();
    const task = await world.addTask({ subject: "Crash" });
    // The write reached the calendar; the process died before the database recorded it.
    const id = task.id.replace(/-/g, "");
    world.memory.userCreateEvent(
      cal,
      {
        summary: `Crash - (${task.number})`,
        start: { dateTime: task.startAt!.toISOString() },
        end: { dateTime: task.endAt!.toISOString() },
        privateProperties: { taskcalTaskId: task.id },
      },
      id,
    );
    await world.restartSupervisor();
    await world.settle();
    expect(world.memory.events(cal)).toHaveLength(1);
    expect(world.memory.events(cal)[0].id).toBe(id);
  });

  it("R13: resync, an expired sync token and unbind/rebind never duplicate", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    for (let i = 0; i < 7; i++) await world.addTask({ subject: `T${i}` });
    await expect.poll(() => world.memory.events(cal).length).toBe(7);
    await world.settle();
    const writes = world.memory.writeCount(cal);

    await world.supervisor.command(world.bindingId, "resync");
    await world.settle();
    world.memory.invalidateSyncTokens();
    await world.supervisor.command(world.bindingId, "sync");
    await world.settle();
    expect(world.memory.events(cal)).toHaveLength(7);
    expect(await world.database.db.select().from(tasks)).toHaveLength(7);

    const db = world.database.db;
    await db.delete(bindings).where(eq(bindings.id, world.bindingId));
    const [again] = await db
      .insert(bindings)
      .values({ operatorId: world.operatorId, eventTypeId: world.typeId, calendarName: "Anna – meetings" })
      .returning();
    await world.waitForState("incremental", again.id);
    await world.settle(again.id);
    expect(world.memory.events(cal)).toHaveLength(7);
    expect(await db.select().from(tasks)).toHaveLength(7);
    expect(world.memory.writeCount(cal)).toBe(writes);
  });

  it("R14: changes made while paused or stopped arrive afterwards", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    await world.supervisor.command(world.bindingId, "pause");
    // That a paused actor runs no pass is test/engine/binding-machine.test.ts; here, that nothing made meanwhile is lost.
    const paused = await world.addTask({ subject: "While paused" });
    await world.supervisor.stop();
    world.memory.userCreateEvent(cal, { summary: "While stopped", start: { date: "2030-01-01" }, end: { date: "2030-01-02" } });
    await world.restartSupervisor();
    expect(world.supervisor.actorStatus(world.bindingId)?.state ?? null).toBe("paused");
    await world.supervisor.command(world.bindingId, "resume");
    await world.settle();
    const summaries = world.memory.events(cal).map((e) => e.summary);
    expect(summaries).toHaveLength(2);
    expect(summaries).toEqual(
      expect.arrayContaining([`While paused - (${paused.number})`, expect.stringMatching(/^While stopped - \(\d+\/\d{4}\)$/)]),
    );
    const imported = await world.database.db.select().from(tasks).where(eq(tasks.subject, "While stopped"));
    expect(imported[0]).toMatchObject({ allDay: true, startDate: "2030-01-01", endDate: "2030-01-01" });
  });

  it("R16: transient faults back off and recover with the work still done; revoked access waits in error for a restart", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    world.memory.failNext(3, new Transient("503 from provider", 503), ["createEvent"]);
    const task = await world.addTask();
    await expect.poll(() => world.memory.events(cal).length, { timeout: 10_000 }).toBe(1);
    await world.settle();
    const view = await actorView(world.database.db, world.bindingId);
    expect(view!.stats.errors).toBeGreaterThanOrEqual(1);
    expect(view!.lastError).toBeNull();

    // One refusal is enough (that in `error` the actor then makes no call until restarted is test/engine/binding-machine.test.ts).
    world.memory.failNext(1, new AuthRevoked("invalid_grant", 400));
    await world.database.db.update(tasks).set({ subject: "x" }).where(eq(tasks.id, task.id));
    await world.waitForState("error");
    await expect.poll(async () => (await actorView(world.database.db, world.bindingId))!.lastError?.code).toBe("auth_revoked");
    await world.supervisor.command(world.bindingId, "restart");
    await world.settle();
    expect(world.memory.events(cal)[0].summary).toBe(`x - (${task.number})`);
    const rows = await world.database.db.select().from(journal).where(eq(journal.bindingId, world.bindingId));
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe(`engine faults an administrator must see (${backend})`, () => {
  it("R6/R16: a calendar deleted on the account puts the actor in error; restart creates it again and sends the tasks", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const task = await world.addTask({ subject: "Keep me" });
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await world.settle();
    world.memory.deleteCalendar(cal);
    await world.supervisor.command(world.bindingId, "sync");
    await world.waitForState("error");
    await expect
      .poll(async () => (await actorView(world.database.db, world.bindingId))!.lastError)
      .toMatchObject({ code: "calendar_missing", message: expect.stringContaining("Restart") });

    await world.supervisor.command(world.bindingId, "restart");
    await world.settle();
    const again = world.memory.calendars(world.account).find((c) => c.name === "Anna – meetings")!;
    expect(again.id).not.toBe(cal);
    expect(world.memory.events(again.id).map((e) => e.summary)).toEqual([`Keep me - (${task.number})`]);
  });
});
