// A restart or resync while a pass waits on the calendar: the cancelled pass
// ends, the actor starts afresh, and nothing is written twice (memory
// provider). That steps never overlap is test/engine/step-queue.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type EngineWorld, startEngineWorld } from "./engine-harness.js";

let world: EngineWorld;
afterEach(() => world?.close());

describe(`one pass at a time per binding (${backend})`, () => {
  it.each(["restart", "resync"] as const)("%s while a pass waits on the calendar converges with one event and one sign-in", async (command) => {
    world = await startEngineWorld();
    await world.settle();
    const cal = await world.calendarId();
    await world.addTask({ subject: "Before" });
    await expect.poll(() => world.memory.events(cal).length).toBe(1);
    await world.settle();

    const release = world.memory.hold("listChanges");
    const logFrom = world.memory.callLog.length;
    await world.supervisor.command(world.bindingId, "sync");
    await expect.poll(() => world.memory.callLog.slice(logFrom)).toEqual(["listChanges"]);
    await world.supervisor.command(world.bindingId, command);
    release();
    await world.waitForState("incremental");
    await world.settle();

    const log = world.memory.callLog.slice(logFrom);
    expect(log.filter((call) => call === "accountId")).toHaveLength(1);
    expect(world.memory.events(cal)).toHaveLength(1);
  });
});
