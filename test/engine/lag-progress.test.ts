// GET /api/actors `lag` and `progress` (and the lag gauges) through the real
// supervisor and the memory provider: an import shows how far it is, lag rises
// while an actor is paused and falls after resume.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { Transient } from "../../adapters/types.js";
import { createApp } from "../../api/app.js";
import { bindingGauges } from "../../db/queries/lag.js";
import { bindingState, bindings, eventTypes } from "../../db/schema.js";
import { ServiceMetrics } from "../../observability/metrics.js";
import { backend } from "../../testkit/database.js";
import { jsonClient } from "../../testkit/json-client.js";
import { parseExposition, total } from "../../testkit/prometheus-text.js";
import { type EngineWorld, silentLogger, startEngineWorld } from "./engine-harness.js";

const ADMIN = "lag-progress-admin-token";
let world: EngineWorld;
afterEach(() => world?.close());

function api(world: EngineWorld) {
  const app = createApp({
    database: world.database,
    secrets: world.secrets,
    adminToken: ADMIN,
    logger: silentLogger,
    engine: world.supervisor,
    providers: world.providers,
  });
  const call = jsonClient((path, init) => app.request(path, init), ADMIN);
  return async (bindingId: string) => {
    const answer = await call("GET", `/api/actors/${bindingId}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe(`actor lag and import progress (${backend})`, () => {
  it("an initial import of many tasks shows how far it is, then nothing once it is done", async () => {
    world = await startEngineWorld();
    await world.settle();
    const actor = api(world);
    // Another type of the same operator, with tasks waiting before its binding exists.
    const [type] = await world.database.db.insert(eventTypes).values({ name: "Visit", syncEnabled: true }).returning();
    for (let i = 0; i < 12; i++) await world.addTask({ eventTypeId: type.id, subject: `Visit ${i}` });
    // The import's first write waits on the calendar; the three other writers go on.
    const release = world.memory.hold("createEvent");
    const [binding] = await world.database.db
      .insert(bindings)
      .values({ operatorId: world.operatorId, eventTypeId: type.id, calendarName: "Anna – visits" })
      .returning();

    await expect.poll(() => actor(binding.id)).toMatchObject({ state: "initialImport", progress: { phase: "writing", done: 11, total: 12 } });
    release();
    await world.waitForState("incremental", binding.id);
    await world.settle(binding.id);
    expect(await actor(binding.id)).toMatchObject({ state: "incremental", progress: null, lag: { push: 0 } });
  });

  it("lag rises while the actor is paused and falls after resume, in the API and the gauges", async () => {
    world = await startEngineWorld();
    await world.settle();
    const actor = api(world);
    const metrics = new ServiceMetrics();
    metrics.watch({ bindings: () => bindingGauges(world.database.db, world.supervisor.runningBindingIds()), providers: () => ["memory"] });
    const gauges = async () => {
      const scraped = parseExposition(await metrics.text());
      return {
        push: total(scraped, "taskcal_binding_push_lag_seconds", { binding: world.bindingId, provider: "memory" }),
        pull: total(scraped, "taskcal_binding_pull_lag_seconds", { binding: world.bindingId, provider: "memory" }),
        paused: total(scraped, "taskcal_actors", { provider: "memory", state: "paused" }),
      };
    };

    const steady = await actor(world.bindingId);
    expect(steady.lag).toEqual({ push: 0, pull: expect.any(Number) });
    expect(steady.progress).toBeNull();

    await world.supervisor.command(world.bindingId, "pause");
    await world.waitForState("paused");
    await world.supervisor.stateRecorded(world.bindingId);
    const task = await world.addTask({ subject: "Written while paused" });
    const first = (await actor(world.bindingId)).lag;
    await sleep(1_200);
    const second = (await actor(world.bindingId)).lag;
    expect(second.push).toBeGreaterThan(first.push);
    expect(second.push).toBeGreaterThanOrEqual(1);
    expect(second.pull).toBeGreaterThan(first.pull);
    await expect.poll(gauges).toMatchObject({ push: expect.toSatisfy((s: number) => s >= 1), paused: 1 });

    await world.supervisor.command(world.bindingId, "resume");
    await world.waitForState("incremental");
    await world.settle();
    const cal = await world.calendarId();
    expect(world.memory.events(cal).some((e) => e.privateProperties?.taskcalTaskId === task.id)).toBe(true);
    const after = (await actor(world.bindingId)).lag;
    expect(after.push).toBe(0);
    expect(after.pull).toBeLessThan(second.pull);
    await sleep(1_100);
    await expect.poll(gauges).toMatchObject({ push: 0, paused: 0, pull: expect.toSatisfy((s: number) => s < second.pull) });
  });

  it("a pass that fails marks what it left waiting, even a change whose mark the trigger skipped", async () => {
    world = await startEngineWorld();
    await world.settle();
    const actor = api(world);
    await world.supervisor.command(world.bindingId, "pause");
    await world.waitForState("paused");
    // Coming to rest settles the lag: the simulated skip below must come after it.
    await world.supervisor.stateRecorded(world.bindingId);
    await world.addTask({ subject: "Waits through a backoff" });
    // As if the trigger had met the row locked by a pass under way (it skips rather than wait).
    await world.database.db.update(bindingState).set({ pushPendingSince: null }).where(eq(bindingState.bindingId, world.bindingId));
    expect((await actor(world.bindingId)).lag.push).toBe(0);

    world.memory.failNext(1_000, new Transient("the calendar is unavailable"), ["createEvent"]);
    await world.supervisor.command(world.bindingId, "resume");
    await expect.poll(async () => (await actor(world.bindingId)).lag.push > 0).toBe(true);
    expect(["backoff", "incremental", "authorizing"]).toContain((await actor(world.bindingId)).state);
  });

  it("a task parked as a failure is not lag: it counts in stats.failures", async () => {
    world = await startEngineWorld();
    await world.settle();
    const actor = api(world);
    const { Permanent } = await import("../../adapters/types.js");
    world.memory.failNext(1, new Permanent("the calendar refuses this event"), ["createEvent"]);
    await world.addTask({ subject: "Refused" });
    await expect.poll(async () => (await actor(world.bindingId)).stats.failures).toBe(1);
    await world.settle();
    expect((await actor(world.bindingId)).lag.push).toBe(0);
  });
});
