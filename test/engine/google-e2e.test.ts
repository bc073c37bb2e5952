// The rules through the public API, the engine and the Google adapter, against the fake Google server.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(() => world?.close());

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const live = (world: GoogleWorld, calendarId: string) => world.google.user.events(world.email, calendarId).filter((e) => e.status !== "cancelled");
/** events.list calls (full listings and polls) the engine has made so far. */
const eventListings = () => world.google.callLog.filter((c) => c.method === "GET" && c.path.endsWith("/events")).length;

describe(`engine through the API against fake Google (${backend})`, () => {
  it("R9/R11/R13: create, update and delete in the CRM each cost exactly one Google call, with no echoes", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    const writesBefore = world.google.writeCount(calendarId);
    await world.settle(bindingId);
    const calls = () => world.google.callLog.filter((c) => c.calendarId === calendarId).length;
    let callsBefore = calls();
    /** Google calls the last change cost, once the actor is idle again. */
    const callsForChange = async () => {
      await world.settle(bindingId);
      const spent = calls() - callsBefore;
      callsBefore = calls();
      return spent;
    };

    const created = await world.call("POST", "/api/tasks", {
      eventTypeId: typeId,
      operatorId,
      subject: "Oferta handlowa",
      customer: "ACME",
      start: soon(24),
      end: soon(25),
      features: { Budget: "10k" },
    });
    expect(created.status).toBe(201);
    await expect.poll(() => live(world, calendarId).length).toBe(1);
    const [event] = live(world, calendarId);
    expect(event.summary).toBe(`Oferta handlowa - (${created.body.number})`);
    expect(event.description).toContain("Budget: 10k");
    expect(event.extendedProperties?.private?.taskcalTaskId).toBe(created.body.id);
    expect(await callsForChange()).toBe(1);

    expect((await world.call("PATCH", `/api/tasks/${created.body.id}`, { subject: "Oferta 2" })).status).toBe(200);
    await expect.poll(() => live(world, calendarId)[0]?.summary).toBe(`Oferta 2 - (${created.body.number})`);
    expect(await callsForChange()).toBe(1);

    expect((await world.call("DELETE", `/api/tasks/${created.body.id}`)).status).toBeLessThan(300);
    await expect.poll(() => live(world, calendarId).length).toBe(0);
    expect(await callsForChange()).toBe(1);

    // A steady state: more syncs write nothing.
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect(world.google.writeCount(calendarId) - writesBefore).toBe(3);

    const journal = await world.call("GET", `/api/actors/${bindingId}/journal?limit=10`);
    expect(journal.body.map((e: any) => e.action)).toEqual(["delete", "update", "create"]);
    const actor = await world.call("GET", `/api/actors/${bindingId}`);
    expect(actor.body).toMatchObject({ state: "incremental", stats: { pushed: 3, conflicts: 0 }, lastError: null });
  });

  it("R10: an event added in Google becomes a numbered task and shows its number; a series becomes one task per occurrence", async () => {
    world = await startGoogleWorld();
    const { bindingId, calendarId } = await world.setUp();
    world.google.user.createEvent(world.email, calendarId, {
      summary: "Lunch",
      description: "Bring slides",
      start: { dateTime: soon(30) },
      end: { dateTime: soon(31) },
    });
    world.google.user.createEvent(world.email, calendarId, {
      summary: "Weekly review",
      start: { dateTime: soon(48), timeZone: "Europe/Warsaw" },
      end: { dateTime: soon(49), timeZone: "Europe/Warsaw" },
      recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3"],
    });
    expect((await world.call("POST", `/api/actors/${bindingId}/sync`)).status).toBe(202);
    await expect.poll(async () => (await world.call("GET", "/api/tasks")).body.items.length, { timeout: 15_000 }).toBe(4);
    await world.settle(bindingId);
    const { items } = (await world.call("GET", "/api/tasks")).body;
    const lunch = items.find((t: any) => t.subject === "Lunch");
    expect(lunch).toMatchObject({ description: "Bring slides", number: expect.stringMatching(/^\d+\/\d{4}$/) });
    expect(items.filter((t: any) => t.subject === "Weekly review")).toHaveLength(3);
    await expect.poll(() => live(world, calendarId).some((e) => e.summary === `Lunch - (${lunch.number})`)).toBe(true);
  });

  it("R13/R16: an expired sync token (410) re-imports without duplicates; a revoked token waits in error until restart", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    for (let i = 0; i < 3; i++)
      await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) });
    await expect.poll(() => live(world, calendarId).length).toBe(3);
    await world.settle(bindingId);
    world.google.invalidateSyncTokens();
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.settle(bindingId);
    expect(live(world, calendarId)).toHaveLength(3);
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(3);

    world.google.revokeToken(world.refreshToken);
    world.google.expireAccessTokens();
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    await world.waitForState(bindingId, "error");
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor.lastError.code).toBe("auth_revoked");
    expect(actor.lastError.message).toMatch(/authoriz/i);
    expect(JSON.stringify(actor)).not.toContain(world.refreshToken);

    const fresh = world.google.addAccount(world.email);
    expect((await world.call("PATCH", "/api/settings", { defaultRefreshToken: fresh })).status).toBe(200);
    await world.waitForState(bindingId, "incremental");
    expect(live(world, calendarId)).toHaveLength(3);
  });

  it("R16: Google 503s and 403 rate limits back off and then deliver the change", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    world.google.injectFaults(
      { method: "POST", path: /\/events$/, status: 503, times: 2 },
      { method: "POST", path: /\/events$/, status: 403, reason: "rateLimitExceeded", times: 1 },
    );
    await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Despite faults", start: soon(24), end: soon(25) });
    await expect.poll(() => live(world, calendarId).length, { timeout: 15_000 }).toBe(1);
    await world.settle(bindingId);
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor.stats.errors).toBeGreaterThanOrEqual(1);
    expect(actor.state).toBe("incremental");
  });
});

describe(`accounts, push and pacing against fake Google (${backend})`, () => {
  it("R17/webhook: with a public URL, Google's push notice brings a calendar change in without polling", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { bindingId, calendarId } = await world.setUp();
    await expect.poll(() => world.google.activeChannels().length).toBe(1);
    const listsBefore = eventListings();
    world.google.user.createEvent(world.email, calendarId, { summary: "Pushed", start: { dateTime: soon(24) }, end: { dateTime: soon(25) } });
    // The poll interval is an hour: only the notice can make this arrive.
    await expect
      .poll(async () => (await world.call("GET", "/api/tasks")).body.items.map((t: any) => t.subject), { timeout: 10_000 })
      .toEqual(["Pushed"]);
    await world.settle(bindingId);
    expect(eventListings()).toBeGreaterThan(listsBefore);
    expect((await world.call("POST", "/webhooks/google", undefined)).status).toBeGreaterThanOrEqual(400);
  });

  it("R17: two bindings on one account share its pace and collect no rate-limit errors", async () => {
    // Google's quota scaled down: 10 calls per second per account; taskcal keeps 540/min (9/s).
    world = await startGoogleWorld({ quota: { limit: 10, windowMs: 1_000 } });
    const { typeId, operatorId, bindingId } = await world.setUp({ googleRequestsPerMinute: 540 });
    const other = (await world.call("POST", "/api/operators", { name: "Jan", googleEnabled: true, useConfigToken: true })).body;
    const [janBinding] = (await world.call("PUT", `/api/operators/${other.id}/calendars`, [{ eventTypeId: typeId, calendarName: "Jan – meetings" }]))
      .body;
    await world.waitForState(janBinding.bindingId, "incremental");
    for (let i = 0; i < 25; i++) {
      for (const op of [operatorId, other.id]) {
        await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId: op, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) });
      }
    }
    const liveCount = () =>
      world.google.user
        .calendars(world.email)
        .flatMap((c) => world.google.user.events(world.email, c.id))
        .filter((e) => e.status !== "cancelled").length;
    await expect.poll(liveCount, { timeout: 30_000 }).toBe(50);
    await world.settle(bindingId);
    await world.settle(janBinding.bindingId);
    expect(world.google.rateLimitErrors).toBe(0);
  }, 60_000);

  it("R5: a calendar another binding on the same account holds puts the later actor in error, naming the fix", async () => {
    world = await startGoogleWorld();
    const { typeId, bindingId } = await world.setUp();
    // An individual token of the very same Google account, binding the same calendar name.
    const sameAccountToken = world.google.addAccount(world.email);
    const jan = (
      await world.call("POST", "/api/operators", { name: "Jan", googleEnabled: true, useConfigToken: false, refreshToken: sameAccountToken })
    ).body;
    const [janBinding] = (await world.call("PUT", `/api/operators/${jan.id}/calendars`, [{ eventTypeId: typeId, calendarName: "Anna – meetings" }]))
      .body;
    await world.waitForState(janBinding.bindingId, "error");
    const actor = (await world.call("GET", `/api/actors/${janBinding.bindingId}`)).body;
    expect(actor.lastError).toMatchObject({ code: "calendar_clash", message: expect.stringContaining("Anna – meetings") });
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body.state).toBe("incremental");
  });

  it("R15: disabling an operator stops its actor and leaves its events in place", async () => {
    world = await startGoogleWorld();
    const { typeId, operatorId, bindingId, calendarId } = await world.setUp();
    await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Stays", start: soon(24), end: soon(25) });
    await expect.poll(() => live(world, calendarId).length).toBe(1);
    await world.settle(bindingId);
    expect((await world.call("PATCH", `/api/operators/${operatorId}`, { googleEnabled: false })).status).toBe(200);
    expect((await world.call("GET", "/api/actors")).body).toEqual([]);
    await expect.poll(() => world.supervisor.actorStatus(bindingId)?.state ?? null).toBeNull();
    expect(live(world, calendarId)).toHaveLength(1);
    await world.call("PATCH", `/api/operators/${operatorId}`, { googleEnabled: true });
    await world.waitForState(bindingId, "incremental");
    await world.settle(bindingId);
    expect(live(world, calendarId)).toHaveLength(1);
  });
});
