// What a phone does to a CalDAV calendar while taskcal syncs it (R18, R11),
// through the public API and the engine against a real Radicale.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { backend, openTestDatabase } from "../../testkit/database.js";
import { type RadicaleServer, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "../caldav/with-radicale.js";
import { type CalDavWorld, icalProperty, startCalDavWorld } from "./caldav-world.js";

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const ALARM = ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER:-PT15M", "END:VALARM"];

describeWithRadicale(`a phone and taskcal on one CalDAV calendar (${backend})`, () => {
  let radicale: RadicaleServer;
  let world: CalDavWorld | undefined;
  beforeAll(async () => {
    const warm = backend === "pglite" ? openTestDatabase().then((database) => database.close()) : Promise.resolve();
    [radicale] = await Promise.all([startRadicale(), warm]);
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  afterAll(async () => {
    await radicale?.stop();
  });

  it("R18: an alarm the phone adds survives a CRM edit, and the phone's later deletion still reaches the CRM", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    const task = (await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Visit", start: soon(24), end: soon(25) })).body;
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(1);
    await world.settle(bindingId);
    const [written] = await world.resources(calendarPath);
    const withAlarm = written.ics.replace("END:VEVENT", [...ALARM, "END:VEVENT"].join("\r\n"));
    await world.put(calendarPath, written.name, withAlarm, written.etag);

    const requestsBefore = world.requests.length;
    await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "Visit, moved" });
    await expect.poll(async () => icalProperty((await world!.resources(calendarPath))[0].ics, "SUMMARY")).toBe(`Visit, moved - (${task.number})`);
    await world.settle(bindingId);
    const [edited] = await world.resources(calendarPath);
    expect(edited.ics).toContain("BEGIN:VALARM");
    expect(icalProperty(edited.ics, "TRIGGER")).toBe("-PT15M");
    // A stale ETag is read again once, not retried in a loop.
    expect(world.requests.length - requestsBefore).toBeLessThan(8);

    await world.remove(calendarPath, edited.name);
    await world.syncNow(bindingId);
    await expect.poll(async () => (await world!.call("GET", `/api/tasks/${task.id}`)).body.deleted).toBe(true);
  });

  it("R11: a resource the phone deleted while the server forgot the sync token becomes a tombstone after the re-import", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    const doomed = (await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Doomed", start: soon(24), end: soon(25) }))
      .body;
    const kept = (await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Kept", start: soon(26), end: soon(27) })).body;
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(2);
    await world.settle(bindingId);
    await radicale.forgetSyncTokens();
    await world.remove(calendarPath, doomed.id);
    await world.syncNow(bindingId);
    await world.waitForState(bindingId, "incremental");
    await expect.poll(async () => (await world!.call("GET", `/api/tasks/${doomed.id}`)).body.deleted).toBe(true);
    expect((await world.call("GET", `/api/tasks/${kept.id}`)).body.deleted).toBe(false);
    expect((await world.resources(calendarPath)).map((r) => r.name)).toEqual([kept.id]);
  });
});
