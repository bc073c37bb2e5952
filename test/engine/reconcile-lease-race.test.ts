// A binding whose lease this replica gains while a reconcile is under way
// (the lease beat and the reconcile both answer a configuration change) is
// started by the next reconcile, with its state row: an actor started
// without one records nothing, and GET /api/actors showed "authorizing"
// forever for a binding whose actor waited in error (a CI failure).
//
// The two database calls are wrapped only to fix their order, which a busy
// machine otherwise decides: the claim returns while the reconcile records
// the state rows of the bindings it had found owned.
import { afterEach, expect, it, vi } from "vitest";
import { actorView } from "../../db/queries/actors.js";
import { bindings, eventTypes, operators } from "../../db/schema.js";
import { type EngineWorld, startEngineWorld } from "./engine-harness.js";

const order = vi.hoisted(() => {
  let release: () => void = () => {};
  let claimed: () => void = () => {};
  const state = {
    /** Claims wait until a reconcile records state rows, and that reconcile waits for the next claim. */
    armed: false,
    released: false,
    releasing: Promise.resolve(),
    claimDone: Promise.resolve(),
    arm() {
      state.armed = true;
      state.released = false;
      state.releasing = new Promise<void>((resolve) => (release = resolve));
      state.claimDone = new Promise<void>((resolve) => (claimed = resolve));
    },
    release() {
      state.released = true;
      release();
    },
    claimed() {
      state.armed = false;
      claimed();
    },
  };
  return state;
});

vi.mock("../../db/queries/leases.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../db/queries/leases.js")>();
  return {
    ...real,
    claimLeases: async (...args: Parameters<typeof real.claimLeases>) => {
      if (!order.armed) return real.claimLeases(...args);
      await order.releasing;
      const claimed = await real.claimLeases(...args);
      if (claimed.length) order.claimed();
      return claimed;
    },
  };
});

vi.mock("../../db/queries/binding-state.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../db/queries/binding-state.js")>();
  return {
    ...real,
    statesForStart: async (...args: Parameters<typeof real.statesForStart>) => {
      const result = await real.statesForStart(...args);
      if (order.armed && !order.released) {
        order.release();
        await order.claimDone;
      }
      return result;
    },
  };
});

let world: EngineWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

it("a binding whose lease comes during a reconcile starts with its state row, so its error is what the API shows", async () => {
  world = await startEngineWorld();
  await world.settle();
  const { db } = world.database;
  // An operator on a provider this installation does not load: the actor stops in error at once, before any other write of its row.
  const [operator] = await db.insert(operators).values({ name: "Bartek", provider: "nowhere", syncEnabled: true }).returning();
  const [type] = await db
    .insert(eventTypes)
    .values({ name: "Visit", syncEnabled: true, display: { fields: ["number"], features: [] } })
    .returning();

  order.arm();
  const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "Bartek – visits" }).returning();
  await order.claimDone;

  await expect.poll(() => world!.supervisor.actorStatus(binding.id)?.state ?? null, { timeout: 10_000 }).toBe("error");
  await expect
    .poll(async () => {
      const view = await actorView(db, binding.id);
      return { state: view?.state, code: view?.lastError?.code };
    })
    .toEqual({ state: "error", code: "missing_credentials" });
});
