// The Google project's pace through the whole service: with more bindings
// polling than the project's budget allows, polls stretch (and wait their
// turn), while a CRM change's write takes the next free slot.
import { afterEach, describe, expect, it } from "vitest";
import type { CallPriority } from "../../adapters/pacer.js";
import { type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(async () => world?.close());

describe("the Google project's pace", () => {
  it("under a short project budget the polls stretch and a CRM change's write goes before them, with no 403/429", async () => {
    const waits: { priority: CallPriority; seconds: number }[] = [];
    // One call a second for the whole project; the fake refuses a second call within any second (as Google's quota would).
    world = await startGoogleWorld({
      quota: { limit: 2, windowMs: 1_000 },
      projectRequestsPerMinute: 60,
      pacing: {
        pacerCreated() {},
        throttled() {},
        waited: (_provider, credential, priority, seconds) => {
          if (credential === "project") waits.push({ priority, seconds });
        },
      },
    });
    const { typeId, operatorId } = await world.setUp({ pollIntervalSeconds: 1 });
    // Six bindings polling every second want six calls a second: five times the budget.
    for (const name of ["Bea", "Cai", "Dan", "Eva", "Flo"]) {
      const operator = (await world.call("POST", "/api/operators", { name, googleEnabled: true, useConfigToken: true })).body;
      await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: typeId, calendarName: `${name} – meetings` }]);
    }
    await expect.poll(() => waits.filter((w) => w.priority === "read" && w.seconds > 3).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const since = waits.length;
    const start = new Date(Date.now() + 86_400_000);
    const task = {
      eventTypeId: typeId,
      operatorId,
      subject: "Call",
      start: start.toISOString(),
      end: new Date(start.getTime() + 3_600_000).toISOString(),
    };
    expect((await world.call("POST", "/api/tasks", task)).status).toBe(201);
    const inserts = () => world.google.callLog.filter((c) => c.method === "POST" && c.path.endsWith("/events")).length;
    await expect.poll(inserts, { timeout: 30_000 }).toBe(1);
    const writes = waits
      .slice(since)
      .filter((w) => w.priority === "write")
      .map((w) => w.seconds);
    const reads = waits.filter((w) => w.priority === "read").map((w) => w.seconds);
    expect(writes.length).toBeGreaterThanOrEqual(1);
    // The write waits for the next slot (one second at most); polls wait for each other, several seconds each.
    expect(Math.max(...writes)).toBeLessThan(1.5);
    expect(Math.max(...reads)).toBeGreaterThan(3);
    expect(world.google.rateLimitErrors).toBe(0);
  }, 90_000);
});
