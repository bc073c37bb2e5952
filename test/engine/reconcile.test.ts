// A start with more bindings than the supervisor starts in one turn of the
// event loop: every actor starts, each with its state row from the start,
// and a binding paused before the restart stays paused. The supervisor says
// when such a start crowds its start slots and when it is over (the service
// tunes V8's heap meanwhile, heap-during-starts.ts).
import { inArray } from "drizzle-orm";
import { afterEach, expect, it } from "vitest";
import { bindingState, bindings, eventTypes } from "../../db/schema.js";
import { type EngineWorld, startEngineWorld } from "./engine-harness.js";

let world: EngineWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

it("a restart with hundreds of new bindings starts every actor, records their state from the start, and keeps the paused one paused", async () => {
  const crowding: boolean[] = [];
  world = await startEngineWorld({ startsCrowded: (crowded) => crowding.push(crowded) });
  await world.settle();
  await world.supervisor.command(world.bindingId, "pause");
  await world.waitForState("paused");
  await world.supervisor.stop();

  // More than one batch of actors (SPAWN_BATCH), none with a state row yet.
  const { db } = world.database;
  const types = await db
    .insert(eventTypes)
    .values(Array.from({ length: 300 }, (_, i) => ({ name: `Type ${i}`, syncEnabled: true, display: { fields: ["number"], features: [] } })))
    .returning();
  const added = await db
    .insert(bindings)
    .values(types.map((type, i) => ({ operatorId: world!.operatorId, eventTypeId: type.id, calendarName: `Anna – ${i}` })))
    .returning();
  const addedIds = added.map((binding) => binding.id);

  expect(crowding).toEqual([]);
  await world.restartSupervisor();
  const { supervisor } = world;
  expect(new Set(supervisor.runningBindingIds())).toEqual(new Set([world.bindingId, ...addedIds]));
  expect(supervisor.actorStatus(world.bindingId)?.state).toBe("paused");
  // What the console and GET /api/actors read: a row for each new binding as soon as its actor runs.
  const rows = await db.select({ bindingId: bindingState.bindingId }).from(bindingState).where(inArray(bindingState.bindingId, addedIds));
  expect(rows).toHaveLength(addedIds.length);
  await expect.poll(() => addedIds.filter((id) => supervisor.actorStatus(id)?.state === "incremental").length, { timeout: 60_000 }).toBe(300);
  expect(supervisor.actorStatus(world.bindingId)?.state).toBe("paused");
  // 301 actors for 200 slots: they queued, and once every one had signed in and imported, the crowd was over.
  await expect.poll(() => crowding).toEqual([true, false]);
}, 120_000);
