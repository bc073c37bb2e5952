// Push notices (webhooks) as an attacker or a confused Google would send them:
// only a live channel of a live binding, with our token and its resource id,
// makes a binding sync, and a flood of them costs at most one more pass. A
// notice is acted on at once, and a pass writing CRM changes yields to it.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { bindingState } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(() => world?.close());

const eventListings = () => world.google.callLog.filter((c) => c.method === "GET" && c.path.endsWith("/events")).length;

function notice(channel: { id: string; resourceId: string; token?: string }, override: Record<string, string> = {}) {
  return world.app.request("/webhooks/google", {
    method: "POST",
    headers: {
      "x-goog-channel-id": channel.id,
      "x-goog-channel-token": channel.token ?? "",
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-state": "exists",
      ...override,
    },
  });
}

async function openChannel() {
  const { bindingId, operatorId } = await world.setUp();
  await expect.poll(() => world.google.activeChannels().length).toBe(1);
  await world.settle(bindingId);
  return { bindingId, operatorId, channel: world.google.activeChannels()[0] };
}

describe(`push channels accept only what is theirs (${backend})`, () => {
  it("a forged token, another resource id or an unknown channel is refused (404) and makes no call to Google", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { channel } = await openChannel();
    const before = eventListings();
    expect((await notice(channel, { "x-goog-channel-token": "forged" })).status).toBe(404);
    expect((await notice(channel, { "x-goog-resource-id": "another-resource" })).status).toBe(404);
    expect((await notice({ ...channel, id: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);
    // The one real notice goes through, so the refusals above were not simply too early to count.
    expect((await notice(channel)).status).toBe(204);
    await expect.poll(eventListings).toBe(before + 1);
  });

  it("a flood of replayed notices costs at most one pass in flight and one queued", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { bindingId, channel } = await openChannel();
    const before = eventListings();
    // Google answers slowly, so the first notice's pass is still in flight while the whole flood is checked (on
    // PostgreSQL that takes longer than a quick pass, and notices after it would rightly start another).
    world.google.injectFaults({ method: "GET", path: /\/events$/, latencyMs: 1000, times: 2 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => notice(channel)));
    expect(answers.every((answer) => answer.status === 204)).toBe(true);
    await world.settle(bindingId);
    // The pass in flight, and one more for the notices that came during it: none is lost, the rest merge.
    expect(eventListings() - before).toBe(2);
  });

  it("an expired channel is refused", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { bindingId, channel } = await openChannel();
    await world.database.db
      .update(bindingState)
      .set({ watchExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(bindingState.bindingId, bindingId));
    expect((await notice(channel)).status).toBe(404);
  });

  it("unbinding stops the binding's channel at Google; a later notice on it is refused", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { operatorId, channel } = await openChannel();
    expect((await world.call("PUT", `/api/operators/${operatorId}/calendars`, [])).status).toBe(200);
    await expect.poll(() => world.google.activeChannels().length).toBe(0);
    expect((await notice(channel)).status).toBe(404);
  });

  it("a renewed channel replaces the old one: the old one is stopped at Google and refused", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { bindingId, channel } = await openChannel();
    // Due for renewal: the next pass opens a new channel and stops this one.
    await world.database.db
      .update(bindingState)
      .set({ watchExpiresAt: new Date(Date.now() + 60_000) })
      .where(eq(bindingState.bindingId, bindingId));
    expect((await world.call("POST", `/api/actors/${bindingId}/sync`)).status).toBe(202);
    await expect.poll(() => world.google.activeChannels().map((c) => c.id)).not.toContain(channel.id);
    expect(world.google.activeChannels()).toHaveLength(1);
    expect((await notice(channel)).status).toBe(404);
  });
});

describe(`a push notice is handled at once (${backend})`, () => {
  it("the notice's pass is under way when its answer is sent: nothing waits for a timer first", async () => {
    world = await startGoogleWorld({ webhook: true });
    const { bindingId, channel } = await openChannel();
    expect(world.supervisor.actorStatus(bindingId)?.idle).toBe(true);
    expect((await notice(channel)).status).toBe(204);
    // Synchronously with the notice: a debounce or a fixed wait would leave the actor idle here.
    expect(world.supervisor.actorStatus(bindingId)?.idle).toBe(false);
    await world.settle(bindingId);
  });

  it("an event created while a pass is writing CRM changes reaches the CRM before the rest of those writes", { timeout: 90_000 }, async () => {
    world = await startGoogleWorld({ webhook: true });
    // A slow pace (one call every half second) makes the writes of a pass take seconds.
    const { bindingId, operatorId, typeId, calendarId } = await world.setUp({ googleRequestsPerMinute: 120 });
    await expect.poll(() => world.google.activeChannels().length).toBe(1);
    await world.settle(bindingId);
    expect((await world.call("POST", `/api/actors/${bindingId}/pause`)).status).toBe(202);
    const start = Date.now() + 2 * 86_400_000;
    // More changes than a pass keeps in flight (16): those not yet begun are what it yields.
    const changes = 24;
    for (let i = 0; i < changes; i++) {
      const created = await world.call("POST", "/api/tasks", {
        eventTypeId: typeId,
        operatorId,
        subject: `CRM ${i}`,
        start: new Date(start + i * 3_600_000).toISOString(),
        end: new Date(start + i * 3_600_000 + 1_800_000).toISOString(),
      });
      expect(created.status).toBe(201);
    }
    const writesBefore = world.google.writeCount(calendarId);
    expect((await world.call("POST", `/api/actors/${bindingId}/resume`)).status).toBe(202);
    await expect.poll(() => world.google.writeCount(calendarId), { timeout: 15_000 }).toBeGreaterThan(writesBefore);

    world.google.user.createEvent(world.email, calendarId, {
      summary: "Made in Google",
      start: { dateTime: new Date(start + 20 * 3_600_000).toISOString() },
      end: { dateTime: new Date(start + 21 * 3_600_000).toISOString() },
    });
    const imported = async () => {
      const listed = await world.call("GET", `/api/tasks?operatorId=${operatorId}`);
      return (listed.body.items ?? listed.body).some((task: { subject: string }) => task.subject === "Made in Google");
    };
    await expect.poll(imported, { timeout: 30_000, interval: 50 }).toBe(true);
    // The pass that was writing yielded to the notice: CRM changes were still waiting when the event came in.
    expect(world.google.writeCount(calendarId) - writesBefore).toBeLessThan(changes);
    await world.settle(bindingId);
    await expect.poll(() => world.google.writeCount(calendarId) - writesBefore, { timeout: 30_000 }).toBeGreaterThanOrEqual(changes);
  });
});
