// The rules through the public API, the engine and the Microsoft 365
// provider, against the fake Graph server.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { outlookEvent } from "../adapters/microsoft-harness.js";
import { type MicrosoftWorld, startMicrosoftWorld } from "./microsoft-world.js";

let world: MicrosoftWorld;
afterEach(() => world?.close());

/** A whole second some hours ahead. */
const soon = (hours: number) => new Date(Math.floor(Date.now() / 1000 + hours * 3600) * 1000).toISOString();
const outlook = (summary: string, hours: number, extra: Record<string, unknown> = {}) => ({
  ...outlookEvent({ summary, start: { dateTime: soon(hours) }, end: { dateTime: soon(hours + 1) } }),
  ...extra,
});
/** Graph calls the engine made in one calendar (event routes). */
const callsIn = (calendarId: string) => world.graph.callLog.filter((c) => c.calendarId === calendarId || c.path.includes(calendarId)).length;

describe(`engine through the API against the fake Graph (${backend})`, () => {
  it("R9/R11/R13: a CRM create, edit and delete reach Outlook once each, with the task id on the event and no echoes", async () => {
    world = await startMicrosoftWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    await world.settle(bindingId);
    const writesBefore = world.graph.writeCount(calendarId);

    const created = (
      await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Oferta", customer: "ACME", start: soon(24), end: soon(25) })
    ).body;
    await expect.poll(() => world.events(calendarId).map((e) => e.subject)).toEqual([`Oferta - (${created.number})`]);
    const [event] = world.events(calendarId);
    expect(event.body.content).toContain("Customer: ACME");
    const privateProperty = (event.singleValueExtendedProperties as { id: string; value: string }[]).find((p) => p.id.endsWith("taskcalPrivate"));
    expect(JSON.parse(privateProperty!.value)).toMatchObject({ taskcalTaskId: created.id });

    expect((await world.call("PATCH", `/api/tasks/${created.id}`, { subject: "Oferta 2" })).status).toBe(200);
    await expect.poll(() => world.events(calendarId)[0]?.subject).toBe(`Oferta 2 - (${created.number})`);
    expect((await world.call("DELETE", `/api/tasks/${created.id}`)).status).toBe(204);
    await expect.poll(() => world.events(calendarId).length).toBe(0);

    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect(world.graph.writeCount(calendarId) - writesBefore).toBe(3);
    const journal = (await world.call("GET", `/api/actors/${bindingId}/journal?limit=10`)).body;
    expect(journal.map((e: any) => e.action)).toEqual(["delete", "update", "create"]);
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body).toMatchObject({
      state: "incremental",
      stats: { pushed: 3, conflicts: 0 },
      lastError: null,
    });
  });

  it("R10/R11: an event made in Outlook becomes a numbered task; its edits and its deletion follow", async () => {
    world = await startMicrosoftWorld();
    const { bindingId, calendarId } = await world.setUp();
    const made = world.graph.user.createEvent(world.email, calendarId, {
      ...outlook("Lunch", 30),
      body: { contentType: "text", content: "Bring slides" },
    });
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject)).toEqual(["Lunch"]);
    const [lunch] = await world.tasks();
    expect(lunch).toMatchObject({ description: "Bring slides", number: expect.stringMatching(/^\d+\/\d{4}$/) });
    await expect.poll(() => world.graph.user.getEvent(world.email, made.id)?.subject).toBe(`Lunch - (${lunch.number})`);
    await world.settle(bindingId);

    const movedTo = soon(31);
    world.graph.user.updateEvent(world.email, made.id, {
      subject: `Late lunch - (${lunch.number})`,
      ...outlookEvent({ start: { dateTime: movedTo }, end: { dateTime: soon(32) } }),
    });
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.call("GET", `/api/tasks/${lunch.id}`)).body.subject).toBe("Late lunch");
    expect(Date.parse((await world.call("GET", `/api/tasks/${lunch.id}`)).body.start)).toBe(Date.parse(movedTo));
    await world.settle(bindingId);

    world.graph.user.deleteEvent(world.email, made.id);
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.call("GET", `/api/tasks/${lunch.id}`)).body.deleted).toBe(true);
    await world.settle(bindingId);
    expect(world.events(calendarId)).toEqual([]);
    expect(callsIn(calendarId)).toBeGreaterThan(0);
  });

  it("R10: an invitation someone else organizes becomes a task, but taskcal never changes the attendee's copy", async () => {
    world = await startMicrosoftWorld();
    const { bindingId, calendarId } = await world.setUp();
    const invitation = world.graph.user.receiveInvitation(world.email, calendarId, outlook("Their kick-off", 30), {
      name: "Jan Kowalski",
      address: "jan@fabrikam.example",
    });
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject)).toEqual(["Their kick-off"]);
    await world.settle(bindingId);
    const [task] = await world.tasks();
    expect((await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "Renamed in the CRM" })).status).toBe(200);
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect
      .poll(async () => (await world.call("GET", `/api/actors/${bindingId}/journal?limit=5`)).body[0])
      .toMatchObject({ action: "update", outcome: "skipped" });
    expect(world.graph.user.getEvent(world.email, invitation.id)?.subject).toBe("Their kick-off");
    expect(world.graph.writeCount(calendarId)).toBe(0);
  });

  it("R10: a recurring series becomes one task per occurrence; each occurrence shows its number, and deleting the series tombstones them", async () => {
    world = await startMicrosoftWorld();
    const { bindingId, calendarId } = await world.setUp();
    const first = outlook("Weekly review", 48);
    const startDate = (first.start as { dateTime: string }).dateTime.slice(0, 10);
    const series = world.graph.user.createEvent(world.email, calendarId, {
      ...first,
      recurrence: {
        pattern: { type: "weekly", interval: 1, daysOfWeek: [weekday(startDate)] },
        range: { type: "numbered", startDate, numberOfOccurrences: 3 },
      },
    });
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.tasks()).length).toBe(3);
    await world.settle(bindingId);
    const tasks = await world.tasks();
    expect(new Set(tasks.map((t) => t.number)).size).toBe(3);
    // Each occurrence shows its own task's number (written into it: an exception of the series now); the series stays one.
    expect(world.events(calendarId)).toHaveLength(1);
    const journal = (await world.call("GET", `/api/actors/${bindingId}/journal?limit=20`)).body;
    const imported = journal.filter((e: any) => e.action === "create" && e.direction === "calendar-to-crm");
    expect(imported).toHaveLength(3);
    const shown = imported.map((e: any) => world.graph.user.getEvent(world.email, e.remoteId)?.subject).sort();
    expect(shown).toEqual(tasks.map((t) => `Weekly review - (${t.number})`).sort());
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect((await world.tasks()).map((t) => t.subject)).toEqual(["Weekly review", "Weekly review", "Weekly review"]);

    world.graph.user.deleteEvent(world.email, series.id);
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect
      .poll(async () => (await world.call("GET", "/api/tasks?includeDeleted=true&limit=500")).body.items.filter((t: any) => t.deleted).length)
      .toBe(3);
  });

  it("R16/R17: throttling (429 with Retry-After) backs off and then delivers every change once, never over four calls in flight", async () => {
    world = await startMicrosoftWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    world.graph.injectFaults(
      { method: "POST", path: /\/events$/, status: 429, retryAfterSeconds: 1, times: 2 },
      { method: "GET", latencyMs: 50, times: 40 },
    );
    for (let i = 0; i < 10; i++) {
      await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) });
    }
    await expect.poll(() => world.events(calendarId).length, { timeout: 20_000 }).toBe(10);
    await world.settle(bindingId);
    expect(new Set(world.events(calendarId).map((e) => e.subject)).size).toBe(10);
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor.stats.errors).toBeGreaterThanOrEqual(1);
    expect(actor.state).toBe("incremental");
    expect(world.graph.concurrencyErrors).toBe(0);
  });

  it("R13/R16: an expired delta token re-imports without duplicates, and a change made meanwhile arrives", async () => {
    world = await startMicrosoftWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    for (let i = 0; i < 3; i++)
      await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) });
    await expect.poll(() => world.events(calendarId).length).toBe(3);
    await world.settle(bindingId);
    world.graph.invalidateDeltaTokens({ calendarId });
    world.graph.user.createEvent(world.email, calendarId, outlook("Made meanwhile", 40));
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject).sort()).toEqual(["Made meanwhile", "T0", "T1", "T2"]);
    await world.settle(bindingId);
    expect(world.events(calendarId)).toHaveLength(4);
    const journal = (await world.call("GET", `/api/actors/${bindingId}/journal?limit=50`)).body;
    expect(journal.filter((e: any) => e.action === "create" && e.direction === "crm-to-calendar")).toHaveLength(3);
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body.lastError).toBeNull();
  });

  it("R8: widening monthsBack moves the delta round's window: a new round brings the older event in, without duplicates", async () => {
    world = await startMicrosoftWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp({ monthsBack: 1 });
    await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Current", start: soon(24), end: soon(25) });
    await expect.poll(() => world.events(calendarId).length).toBe(1);
    world.graph.user.createEvent(world.email, calendarId, outlook("Two months ago", -24 * 60));
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect((await world.tasks()).map((t) => t.subject)).toEqual(["Current"]);

    expect((await world.call("PATCH", "/api/settings", { monthsBack: 3 })).status).toBe(200);
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject).sort()).toEqual(["Current", "Two months ago"]);
    await world.settle(bindingId);
    expect(world.events(calendarId)).toHaveLength(2);
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body).toMatchObject({ state: "incremental", lastError: null });
  });

  it("R13: a crash between Outlook's create and its commit leaves one event and one task (the creation key finds it)", async () => {
    let crashes = 1;
    world = await startMicrosoftWorld({
      beforeCommit: (action) => {
        if (action.kind === "create" && crashes-- > 0) throw new Error("crash after the calendar write");
      },
    });
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const task = (await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Once", start: soon(24), end: soon(25) })).body;
    await expect.poll(() => world.events(calendarId).length).toBe(1);
    // The pass that crashed backs off; the next one finds the event (its creation key, or the task id on it) and links it.
    await expect
      .poll(async () => (await world.call("GET", `/api/actors/${bindingId}/journal?limit=20`)).body.some((e: any) => e.action === "link"))
      .toBe(true);
    await world.settle(bindingId);
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect(world.events(calendarId).map((e) => e.subject)).toEqual([`Once - (${task.number})`]);
    expect((await world.tasks()).map((t) => t.id)).toEqual([task.id]);
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor).toMatchObject({ state: "incremental", lastError: null, stats: { errors: 1 } });
    expect(world.graph.writeCount(calendarId)).toBe(1);
  });
});

describe(`change notifications against the fake Graph (${backend})`, () => {
  it("R17: a subscription (validated, clientState checked) brings an Outlook change in without polling; lifecycle notices renew it", async () => {
    world = await startMicrosoftWorld({ webhook: true });
    const { bindingId, calendarId } = await world.setUp();
    await expect.poll(() => world.graph.subscriptions().length).toBe(1);
    const [subscription] = world.graph.subscriptions();
    expect(world.graph.notifications.filter((n) => n.kind === "validation").every((n) => n.status === 200)).toBe(true);
    expect(subscription).toMatchObject({ resource: `me/calendars/${calendarId}/events`, idForm: "immutable" });
    await world.settle(bindingId);

    // The poll interval is an hour: only the notification can bring these in.
    world.graph.user.createEvent(world.email, calendarId, outlook("Pushed", 24));
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject), { timeout: 10_000 }).toEqual(["Pushed"]);
    await world.graph.settle();
    expect(world.graph.notifications.filter((n) => n.kind === "change").every((n) => n.status === 202)).toBe(true);
    await world.settle(bindingId);

    // Graph asks for reauthorization: the subscription is renewed in place (PATCH), and delivers again.
    const renewalsBefore = world.graph.callLog.filter((c) => c.method === "PATCH" && c.path.startsWith("subscriptions/")).length;
    world.graph.sendLifecycleNotification(subscription.id, "reauthorizationRequired");
    await expect
      .poll(() => world.graph.callLog.filter((c) => c.method === "PATCH" && c.path.startsWith("subscriptions/")).length)
      .toBeGreaterThan(renewalsBefore);
    await world.settle(bindingId);
    world.graph.user.createEvent(world.email, calendarId, outlook("After renewal", 26));
    await expect.poll(async () => (await world.tasks()).map((t) => t.subject).sort(), { timeout: 10_000 }).toEqual(["After renewal", "Pushed"]);
    await world.settle(bindingId);

    // Graph removed it: a new subscription is made, and changes flow through it.
    world.graph.sendLifecycleNotification(subscription.id, "subscriptionRemoved");
    await expect.poll(() => world.graph.subscriptions().map((s) => s.id)).toEqual([expect.not.stringMatching(subscription.id)]);
    await world.settle(bindingId);
    world.graph.user.createEvent(world.email, calendarId, outlook("Through the new one", 28));
    await expect.poll(async () => (await world.tasks()).length, { timeout: 10_000 }).toBe(3);

    // A notification whose clientState is not ours changes nothing.
    const forged = await world.call("POST", "/webhooks/microsoft", {
      value: [{ subscriptionId: world.graph.subscriptions()[0].id, clientState: "someone.else", changeType: "created" }],
    });
    expect(forged.status).toBe(202);
  });
});

function weekday(date: string): string {
  return ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][new Date(`${date}T00:00:00Z`).getUTCDay()];
}
