// What people do in Google Calendar while taskcal syncs (R18–R20), through the
// public API, the engine and the Google adapter, against the fake Google.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import type { GoogleEvent } from "../../testkit/fake-google/server.js";
import { type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(() => world?.close());

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const live = (calendarId: string) => world.google.user.events(world.email, calendarId).filter((e) => e.status !== "cancelled");
const calls = (calendarId: string) => world.google.callLog.filter((c) => c.calendarId === calendarId);
const guests = (event: GoogleEvent | null | undefined) => ((event?.attendees as { email: string }[] | undefined) ?? []).map((a) => a.email);

async function taskIn(typeId: string, operatorId: string, fields: Record<string, unknown> = {}) {
  const created = await world.call("POST", "/api/tasks", {
    eventTypeId: typeId,
    operatorId,
    subject: "Oferta",
    start: soon(24),
    end: soon(25),
    ...fields,
  });
  expect(created.status).toBe(201);
  return created.body;
}

/** Anna's task with its event in her calendar, and Jan, bound to the same type on the same Google account. */
async function taskBesideJan() {
  world = await startGoogleWorld();
  const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
  const jan = (await world.call("POST", "/api/operators", { name: "Jan", googleEnabled: true, useConfigToken: true })).body;
  const [janBinding] = (await world.call("PUT", `/api/operators/${jan.id}/calendars`, [{ eventTypeId: typeId, calendarName: "Jan – meetings" }]))
    .body;
  await world.waitForState(janBinding.bindingId, "incremental");
  const janCalendar = world.google.user.calendars(world.email).find((c) => c.summary === "Jan – meetings")!.id;
  const task = await taskIn(typeId, operatorId);
  await expect.poll(() => live(calendarId).length).toBe(1);
  await world.settle(bindingId);
  const [event] = live(calendarId);
  return { bindingId, calendarId, jan, janBinding, janCalendar, task, event };
}

/** Runs the command and waits until the actor idles again. */
async function command(bindingId: string, name: string) {
  expect((await world.call("POST", `/api/actors/${bindingId}/${name}`)).status).toBe(202);
  await world.settle(bindingId);
}

describe(`R18: what people add in Google survives (${backend})`, () => {
  it("attendees, colour and reminders added in Google outlive CRM edits, each one events.update telling no guest", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const task = await taskIn(typeId, operatorId);
    await expect.poll(() => live(calendarId).length).toBe(1);
    await world.settle(bindingId);
    const [event] = live(calendarId);
    const added = {
      attendees: [{ email: "client@example.com" }],
      colorId: "5",
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] },
    };
    world.google.user.updateEvent(world.email, calendarId, event.id, added);

    for (const subject of ["Oferta 2", "Oferta 3", "Oferta 4"]) {
      const before = calls(calendarId).length;
      await world.call("PATCH", `/api/tasks/${task.id}`, { subject });
      await expect.poll(() => live(calendarId)[0].summary).toBe(`${subject} - (${task.number})`);
      await world.settle(bindingId);
      const spent = calls(calendarId).slice(before);
      expect(spent.every((c) => c.path.endsWith(`/events/${event.id}`) && (c.method !== "PUT" || c.query.sendUpdates === "none"))).toBe(true);
      // The first edit meets a stale etag (the person's change) and reads that one event; the next cost one update.
      expect(spent.filter((c) => c.method === "PUT").length).toBe(subject === "Oferta 2" ? 2 : 1);
      expect(spent.some((c) => c.method === "PATCH")).toBe(false);
    }
    const [after] = live(calendarId);
    expect(guests(after)).toEqual(["client@example.com"]);
    expect(after).toMatchObject({ colorId: "5", reminders: added.reminders });
  });

  it("a change in Google to fields taskcal does not own is recorded by the pull: the next CRM edit is one call, no 412, no retry loop", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const task = await taskIn(typeId, operatorId);
    await expect.poll(() => live(calendarId).length).toBe(1);
    await world.settle(bindingId);
    world.google.user.updateEvent(world.email, calendarId, live(calendarId)[0].id, { colorId: "11" });
    await command(bindingId, "sync");
    const before = calls(calendarId).length;
    await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "After the colour" });
    await expect.poll(() => live(calendarId)[0].summary).toBe(`After the colour - (${task.number})`);
    await world.settle(bindingId);
    const spent = calls(calendarId).slice(before);
    expect(spent.map((c) => `${c.method} ${c.status}`)).toEqual(["PUT 200"]);
    expect(live(calendarId)[0].colorId).toBe("11");
    // Nothing changed since: a sync lists once and writes nothing.
    const quiet = calls(calendarId).length;
    await command(bindingId, "sync");
    expect(
      calls(calendarId)
        .slice(quiet)
        .map((c) => c.method),
    ).toEqual(["GET"]);
  });

  it("R11: a task moved to an operator on the same Google account moves its event whole (events.move), attendees and all", async () => {
    const { bindingId, calendarId, jan, janBinding, janCalendar, task, event } = await taskBesideJan();
    world.google.user.updateEvent(world.email, calendarId, event.id, { attendees: [{ email: "client@example.com" }] });

    await world.call("PATCH", `/api/tasks/${task.id}`, { operatorId: jan.id });
    await expect.poll(() => live(janCalendar).map((e) => e.id)).toEqual([event.id]);
    await world.settle(janBinding.bindingId);
    await command(bindingId, "sync");
    expect(live(calendarId)).toEqual([]);
    expect(guests(live(janCalendar)[0])).toEqual(["client@example.com"]);
    expect(world.google.callLog.some((c) => c.path.endsWith(`/events/${event.id}/move`) && c.query.sendUpdates === "none")).toBe(true);
    expect(world.google.callLog.filter((c) => c.method === "DELETE")).toEqual([]);
    const journal = (await world.call("GET", `/api/actors/${janBinding.bindingId}/journal`)).body;
    expect(journal[0]).toMatchObject({ action: "move", taskId: task.id, outcome: "ok" });
  });

  it("R11/R18: a title changed in Google just before the task moves reaches the task, and the moved event keeps it", async () => {
    const { calendarId, jan, janBinding, janCalendar, task, event } = await taskBesideJan();
    // Edited in Google; Anna's binding polls hourly, so nothing has pulled the edit when the task moves to Jan.
    world.google.user.updateEvent(world.email, calendarId, event.id, { summary: `Oferta po telefonie - (${task.number})` });

    await world.call("PATCH", `/api/tasks/${task.id}`, { operatorId: jan.id });
    await expect.poll(() => live(janCalendar).map((e) => e.id)).toEqual([event.id]);
    await world.settle(janBinding.bindingId);
    await expect.poll(async () => (await world.call("GET", `/api/tasks/${task.id}`)).body.subject).toBe("Oferta po telefonie");
    expect(live(janCalendar)[0].summary).toBe(`Oferta po telefonie - (${task.number})`);
    expect((await world.call("GET", `/api/tasks/${task.id}`)).body.operatorId).toBe(jan.id);
  });
});

describe(`R19/R11: what the calendar may and may not change (${backend})`, () => {
  it("R19: a location edited in Google on a type that does not display it neither blanks nor changes the task", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const task = await taskIn(typeId, operatorId, { location: "Kraków, ul. Długa 1" });
    await expect.poll(() => live(calendarId).length).toBe(1);
    await world.settle(bindingId);
    const [event] = live(calendarId);
    world.google.user.updateEvent(world.email, calendarId, event.id, { location: "Somewhere in Google", summary: `Renamed - (${task.number})` });
    await command(bindingId, "sync");
    const after = (await world.call("GET", `/api/tasks/${task.id}`)).body;
    expect(after).toMatchObject({ subject: "Renamed", location: "Kraków, ul. Długa 1" });
    expect(live(calendarId)[0].location).toBe("Somewhere in Google");
  });

  it("R11: an event deleted while the sync token was stale (and Google no longer lists it) still becomes a tombstone after the re-import", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const gone = await taskIn(typeId, operatorId, { subject: "Deleted in Google" });
    const kept = await taskIn(typeId, operatorId, { subject: "Kept" });
    await expect.poll(() => live(calendarId).length).toBe(2);
    await world.settle(bindingId);
    const goneEvent = live(calendarId).find((e) => e.summary?.startsWith("Deleted"))!;
    world.google.user.deleteEvent(world.email, calendarId, goneEvent.id);
    world.google.user.purgeCancelled(world.email, calendarId);
    await command(bindingId, "sync");
    await expect.poll(async () => (await world.call("GET", `/api/tasks/${gone.id}`)).body.deleted).toBe(true);
    expect((await world.call("GET", `/api/tasks/${kept.id}`)).body.deleted).toBe(false);
    expect(live(calendarId).map((e) => e.summary)).toEqual([`Kept - (${kept.number})`]);
  });
});

describe(`R20: one bad item never stops a binding (${backend})`, () => {
  it("a task Google refuses (400) is listed as the binding's failure while the rest syncs; it is tried again when it changes", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    world.google.injectFaults({ method: "POST", path: /\/events$/, status: 400, reason: "invalid", message: "Invalid resource." });
    const refused = await taskIn(typeId, operatorId, { subject: "Refused" });
    await expect
      .poll(async () => (await world.call("GET", `/api/actors/${bindingId}/failures`)).body)
      .toMatchObject([
        { taskId: refused.id, direction: "crm-to-calendar", code: "refused", attempts: 1, message: expect.stringContaining("Invalid resource") },
      ]);
    const fine = await taskIn(typeId, operatorId, { subject: "Fine" });
    await expect.poll(() => live(calendarId).map((e) => e.summary)).toEqual([`Fine - (${fine.number})`]);
    await world.settle(bindingId);
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor).toMatchObject({ state: "incremental", lastError: null, stats: { failures: 1 } });
    const journal = (await world.call("GET", `/api/actors/${bindingId}/journal`)).body;
    expect(journal.find((e: { taskId: string }) => e.taskId === refused.id)).toMatchObject({ action: "create", outcome: "failed" });

    // Unchanged, it is not tried again on every pass...
    const inserts = () => world.google.callLog.filter((c) => c.method === "POST" && c.path.endsWith("/events")).length;
    const before = inserts();
    await command(bindingId, "sync");
    expect(inserts()).toBe(before);
    // ...but its next change is.
    await world.call("PATCH", `/api/tasks/${refused.id}`, { subject: "Refused, fixed" });
    await expect.poll(() => live(calendarId).length).toBe(2);
    await world.settle(bindingId);
    expect((await world.call("GET", `/api/actors/${bindingId}/failures`)).body).toEqual([]);
  });

  it("retry-failures tries every failed item again at once", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    world.google.injectFaults({ method: "POST", path: /\/events$/, status: 400, reason: "invalid" });
    await taskIn(typeId, operatorId, { subject: "Second chance" });
    await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}/failures`)).body.length).toBe(1);
    await command(bindingId, "retry-failures");
    await expect.poll(() => live(calendarId).length).toBe(1);
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body.stats.failures).toBe(0);
  });

  it("403 quotaExceeded is a wait with the reason shown, not a permission error", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId } = await world.setUp();
    world.google.injectFaults({
      method: "POST",
      path: /\/events$/,
      status: 403,
      reason: "quotaExceeded",
      message: "Calendar usage limits exceeded.",
    });
    await taskIn(typeId, operatorId);
    await world.waitForState(bindingId, "backoff");
    const { lastError } = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(lastError).toMatchObject({ code: "rate_limited", message: expect.stringMatching(/quota.*Waiting 900 s/s) });
  });

  it("the same refusal of the account on several items in a row is the calendar's: the binding waits in error, named permission", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId } = await world.setUp();
    world.google.injectFaults({
      method: "POST",
      path: /\/events$/,
      status: 403,
      reason: "forbidden",
      message: "You need to have writer access to this calendar.",
      times: 5,
    });
    for (const subject of ["A", "B", "C"]) await taskIn(typeId, operatorId, { subject });
    await world.waitForState(bindingId, "error");
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body.lastError).toMatchObject({
      code: "permission",
      message: expect.stringContaining("writer access"),
    });
  });

  it("events from Gmail become tasks without the number written back; out-of-office and focus time are not tasks", async () => {
    world = await startGoogleWorld();
    const { typeId, bindingId, calendarId } = await world.setUp();
    const flight = world.google.user.createEvent(world.email, calendarId, {
      summary: "Flight WAW–LHR",
      eventType: "fromGmail",
      start: { dateTime: soon(30) },
      end: { dateTime: soon(32) },
    });
    world.google.user.createEvent(world.email, calendarId, {
      summary: "Out of office",
      eventType: "outOfOffice",
      start: { dateTime: soon(40) },
      end: { dateTime: soon(48) },
    });
    world.google.user.createEvent(world.email, calendarId, {
      summary: "Focus",
      eventType: "focusTime",
      start: { dateTime: soon(50) },
      end: { dateTime: soon(51) },
    });
    await command(bindingId, "sync");
    const { items } = (await world.call("GET", "/api/tasks")).body;
    expect(items.map((t: { subject: string }) => t.subject)).toEqual(["Flight WAW–LHR"]);
    expect(world.google.writeCount(calendarId)).toBe(0);
    expect(world.google.user.getEvent(world.email, calendarId, flight.id)?.summary).toBe("Flight WAW–LHR");
    // A CRM edit of it stays in the CRM and says so.
    await world.call("PATCH", `/api/tasks/${items[0].id}`, { subject: "Flight, rebooked" });
    await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}/journal`)).body[0]).toMatchObject({ outcome: "skipped" });
    expect(world.google.writeCount(calendarId)).toBe(0);
    expect(typeId).toBeTruthy();
  });
});
