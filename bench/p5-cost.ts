// P5 cost per change: Google calls per CRM create, update and delete (goal
// 1.00 each), and echo writes once the sync is in a steady state (goal 0):
// quiet sync passes, and edits made in the calendar that flow back to the CRM.
import { eventIdForTaskId } from "../adapters/event-ids.js";
import type { Scenario } from "./scenario.js";
import { acquireDatabase, countKinds, progress, round, sleep, startWorld, type World, waitUntil } from "./world.js";

interface P5Params {
  /** Changes of each kind (create, update, delete), one at a time. */
  changes: number;
  /** Forced sync passes with nothing to do, and calendar edits, for the echo count. */
  quietPasses: number;
  calendarEdits: number;
}

/** Idle now and for `quietMs` more: the CRM notice a pass itself caused has come and gone. */
async function settle(world: World, bindingId: string, quietMs = 150): Promise<void> {
  let idleSince = 0;
  await waitUntil(
    "the actor to settle",
    () => {
      if (!(world.supervisor.actorStatus(bindingId)?.idle ?? false)) {
        idleSince = 0;
        return false;
      }
      idleSince ||= Date.now();
      return Date.now() - idleSince >= quietMs;
    },
    20_000,
    10,
  );
}

export const p5Cost: Scenario<P5Params> = {
  id: "p5",
  title: "P5 cost per change",
  params: (quick) => ({ changes: quick ? 6 : 50, quietPasses: quick ? 3 : 20, calendarEdits: quick ? 3 : 20 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "callsPerCreate", label: "Google calls per CRM create", goal: { op: "<=", value: 1 } },
    { key: "callsPerUpdate", label: "Google calls per CRM update", goal: { op: "<=", value: 1 } },
    { key: "callsPerDelete", label: "Google calls per CRM delete", goal: { op: "<=", value: 1 } },
    { key: "writesPerChange", label: "Google writes per CRM change", goal: { op: "<=", value: 1 } },
    { key: "echoWritesQuiet", label: "echo writes in quiet passes (steady state)", goal: { op: "==", value: 0 }, digits: 0 },
    { key: "echoWritesPerCalendarEdit", label: "echo writes per calendar edit", goal: { op: "==", value: 0 } },
  ],
  async run(params) {
    const database = await acquireDatabase();
    const world = await startWorld({ database });
    try {
      const [binding] = await world.seed({ operators: 1, typesPerOperator: 1, pollIntervalSeconds: 3600, googleRequestsPerMinute: 500 });
      const { bindingId, operatorId, eventTypeId } = binding;
      await world.start();
      await world.waitIdle([bindingId], 30_000);
      await settle(world, bindingId);
      const { google } = world;
      const email = world.emailOf(0);

      /** Runs `change` and waits for its write to land and the actor to settle; returns the calls it cost. */
      const measure = async (change: () => Promise<unknown>) => {
        const from = google.callLog.length;
        const writesBefore = google.writeCount();
        await change();
        await waitUntil("the change's write", () => google.writeCount() > writesBefore, 20_000, 5);
        await settle(world, bindingId);
        return google.callLog.slice(from);
      };

      const ids: string[] = [];
      const perKind: Record<string, { calls: number; writes: number; kinds: Record<string, number> }> = {};
      const record = (kind: string, calls: typeof google.callLog) => {
        const entry = (perKind[kind] ??= { calls: 0, writes: 0, kinds: {} });
        entry.calls += calls.length;
        entry.writes += calls.filter((c) => c.write).length;
        for (const [k, n] of Object.entries(countKinds(calls))) entry.kinds[k] = (entry.kinds[k] ?? 0) + n;
      };
      const start = Date.now() + 2 * 86_400_000;
      for (let i = 0; i < params.changes; i++) {
        const calls = await measure(async () => {
          const at = new Date(start + i * 3_600_000);
          const { body } = await world.call("POST", "/api/tasks", {
            eventTypeId,
            operatorId,
            subject: `P5 task ${i}`,
            start: at.toISOString(),
            end: new Date(at.getTime() + 1_800_000).toISOString(),
          });
          ids.push(body.id);
        });
        record("create", calls);
      }
      for (const id of ids) record("update", await measure(() => world.call("PATCH", `/api/tasks/${id}`, { subject: "P5 task, changed" })));
      // Leave some events for the calendar edits below.
      const toDelete = ids.slice(params.calendarEdits);
      const kept = ids.slice(0, params.calendarEdits);
      for (const id of toDelete) record("delete", await measure(() => world.call("DELETE", `/api/tasks/${id}`)));

      // Steady state: passes with nothing to do write nothing.
      const quietFrom = google.callLog.length;
      for (let i = 0; i < params.quietPasses; i++) {
        await world.supervisor.command(bindingId, "sync");
        await settle(world, bindingId);
      }
      const quietCalls = google.callLog.slice(quietFrom);

      // Edits in the calendar flow to the CRM; the engine must not write them back.
      const calendarId = google.user.calendars(email).find((c) => c.summary === binding.calendarName)!.id;
      const editFrom = google.callLog.length;
      for (const [i, id] of kept.entries()) {
        const eventId = eventIdForTaskId(id, calendarId);
        google.user.updateEvent(email, calendarId, eventId, { location: `Room ${i}` });
        await world.supervisor.command(bindingId, "sync");
        await waitUntil("the edit to reach the CRM", async () => (await world.call("GET", `/api/tasks/${id}`)).body.location === `Room ${i}`, 20_000);
        await settle(world, bindingId);
      }
      await sleep(200);
      const editCalls = google.callLog.slice(editFrom);

      const n = params.changes;
      const per = (kind: string, count: number) => round(perKind[kind].calls / count, 2);
      const totalWrites = perKind.create.writes + perKind.update.writes + perKind.delete.writes;
      progress(
        `p5: create ${JSON.stringify(perKind.create.kinds)}, update ${JSON.stringify(perKind.update.kinds)}, delete ${JSON.stringify(perKind.delete.kinds)}`,
      );
      return {
        metrics: {
          callsPerCreate: per("create", n),
          callsPerUpdate: per("update", n),
          callsPerDelete: per("delete", toDelete.length),
          writesPerChange: round(totalWrites / (2 * n + toDelete.length), 2),
          echoWritesQuiet: quietCalls.filter((c) => c.write).length,
          echoWritesPerCalendarEdit: round(editCalls.filter((c) => c.write).length / kept.length, 2),
        },
        info: {
          creates: n,
          updates: n,
          deletes: toDelete.length,
          callsByKind: Object.fromEntries(Object.entries(perKind).map(([k, v]) => [k, v.kinds])),
          quietPasses: params.quietPasses,
          quietCallsByKind: countKinds(quietCalls),
          calendarEdits: kept.length,
          calendarEditCallsByKind: countKinds(editCalls),
        },
      };
    } finally {
      await world.close();
      await database.release();
    }
  },
};
