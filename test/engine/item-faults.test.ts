// R20 and lost updates with the memory provider: one bad event or task never
// stops its binding, and a CRM edit that lands mid-pass is never overwritten.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { actorView, failureViews } from "../../db/queries/actors.js";
import { resetBindingSync } from "../../db/queries/bindings.js";
import { bindings, tasks } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type EngineWorld, startEngineWorld } from "./engine-harness.js";

let world: EngineWorld;
afterEach(() => world?.close());

const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const timed = (summary: string, h = 24) => ({ summary, start: { dateTime: hours(h) }, end: { dateTime: hours(h + 1) } });

async function sync() {
  await world.supervisor.command(world.bindingId, "sync");
  await world.settle();
}

describe(`R20: one bad event never stops a binding (${backend})`, () => {
  it("an unreadable event and one with impossible times are recorded against themselves; the page's other events still become tasks", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const unreadable = world.memory.userCreateUnreadable(cal);
    const broken = world.memory.userCreateEvent(cal, { summary: "Broken", start: { dateTime: "not a time" }, end: { dateTime: hours(2) } });
    world.memory.userCreateEvent(cal, timed("Lunch"));
    await sync();
    const subjects = (await world.database.db.select().from(tasks)).map((t) => t.subject);
    expect(subjects).toEqual(["Lunch"]);
    const failures = await failureViews(world.database.db, world.bindingId);
    expect(failures.map((f) => [f.remoteId, f.direction, f.code]).sort()).toEqual(
      [
        [unreadable, "calendar-to-crm", "unreadable"],
        [broken.id, "calendar-to-crm", "unusable_event"],
      ].sort(),
    );
    expect(await actorView(world.database.db, world.bindingId)).toMatchObject({ state: "incremental", lastError: null, stats: { failures: 2 } });
  });

  it("a failed event is fetched again by id on restart (the change feed will not list it again) and resolves once it reads", async () => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    const broken = world.memory.userCreateEvent(cal, { summary: "Fix me", start: { dateTime: "soon" }, end: { dateTime: "later" } });
    await sync();
    expect(await failureViews(world.database.db, world.bindingId)).toHaveLength(1);
    // Mended without a change the feed would show (as when the engine learns to read what it could not).
    world.memory.userUpdateEvent(cal, broken.id, { start: { dateTime: hours(30) }, end: { dateTime: hours(31) } });
    await world.supervisor.command(world.bindingId, "restart");
    await expect.poll(async () => (await world.database.db.select().from(tasks)).map((t) => t.subject)).toEqual(["Fix me"]);
    await world.settle();
    expect(await failureViews(world.database.db, world.bindingId)).toEqual([]);
  });

  it("a calendar the account may only read is an error at authorization, naming the fix", async () => {
    world = await startEngineWorld();
    await world.settle();
    const shared = world.memory.createCalendar(world.account, "Shared by the boss");
    world.memory.setCalendarReadOnly(shared, true);
    // As PUT /api/operators/:id/calendars does for a new name: the binding's sync state starts afresh.
    await world.database.db.transaction(async (tx) => {
      await resetBindingSync(tx, world.bindingId);
      await tx.update(bindings).set({ calendarName: "Shared by the boss" }).where(eq(bindings.id, world.bindingId));
    });
    await world.waitForState("error");
    // The actor's state changes at once; its record in the database (what the API shows) follows.
    await expect
      .poll(async () => (await actorView(world.database.db, world.bindingId))!.lastError)
      .toMatchObject({
        code: "calendar_read_only",
        message: expect.stringContaining("write access"),
      });
  });

  it("access that drops to read-only later: the same refusal on three items in a row is the calendar's, and the binding waits in error", async () => {
    world = await startEngineWorld();
    await world.settle();
    world.memory.setCalendarReadOnly(await world.calendarId(), true);
    for (let i = 0; i < 3; i++) await world.addTask({ subject: `T${i}` });
    await world.waitForState("error");
    await expect.poll(async () => (await actorView(world.database.db, world.bindingId))!.lastError).toMatchObject({ code: "permission" });
  });
});

describe(`no lost updates (${backend})`, () => {
  it("a CRM edit landing between the plan and the commit of a calendar edit is kept and pushed, not overwritten", async () => {
    let cal = "";
    let landed = false;
    world = await startEngineWorld({
      conflictPolicy: "latest-wins",
      beforeCommit: (action) => {
        if (action.kind !== "apply" || landed) return;
        landed = true;
        // Sent before the commit: the CRM's write reaches the database first (the query runs once executed, not when built).
        void world.database.db.update(tasks).set({ subject: "CRM, mid-pass" }).where(eq(tasks.id, action.task.id)).execute();
      },
    });
    await world.settle();
    cal = await world.calendarId();
    const task = await world.addTask({ subject: "Original" });
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await world.settle();
    world.memory.userUpdateEvent(cal, world.memory.events(cal)[0].id, { summary: `Calendar, earlier - (${task.number})` });
    await sync();
    await world.settle();
    expect(landed).toBe(true);
    expect((await world.task(task.id)).subject).toBe("CRM, mid-pass");
    await expect.poll(() => world.memory.events(cal)[0].summary).toBe(`CRM, mid-pass - (${task.number})`);
  });
});
