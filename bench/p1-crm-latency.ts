// P1 CRM → calendar latency: many bindings active (polling at the default
// interval), task changes committed at a steady rate through the API; the
// time from the commit (the row's updated_at, set inside the committing
// transaction) to the fake Google server receiving the event write.
import type { Scenario } from "./scenario.js";
import { acquireDatabase, insertTasks, progress, quantile, round, sleep, startWorld, waitUntil } from "./world.js";

interface P1Params {
  bindings: number;
  /** Calendars (bindings) per operator; each operator is its own Google account. */
  perAccount: number;
  /** Changes committed per second, spread over random bindings. */
  rate: number;
  seconds: number;
  pollIntervalSeconds: number;
  /** How long after the last commit a write may still come. */
  waitSeconds: number;
}

export const p1CrmLatency: Scenario<P1Params> = {
  id: "p1",
  title: "P1 CRM → calendar latency",
  params: (quick) => ({
    bindings: quick ? 50 : 1000,
    perAccount: quick ? 5 : 10,
    rate: 20,
    seconds: quick ? 5 : 45,
    pollIntervalSeconds: 60,
    waitSeconds: quick ? 15 : 30,
  }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "p50", label: "commit → Google write, p50", unit: "ms", digits: 0 },
    { key: "p95", label: "commit → Google write, p95", unit: "ms", digits: 0 },
    { key: "p99", label: "commit → Google write, p99", unit: "ms", digits: 0 },
    { key: "missing", label: "changes not written in time (waitSeconds)", goal: { op: "==", value: 0 }, digits: 0 },
    { key: "startupSeconds", label: "start-up: all bindings imported and idle", unit: "s", digits: 1 },
  ],
  async run(params) {
    const database = await acquireDatabase();
    const world = await startWorld({ database });
    try {
      const operators = Math.ceil(params.bindings / params.perAccount);
      const seeded = (
        await world.seed({
          operators,
          typesPerOperator: params.perAccount,
          pollIntervalSeconds: params.pollIntervalSeconds,
          googleRequestsPerMinute: 500,
        })
      ).slice(0, params.bindings);
      const taskIds = await insertTasks(database, seeded);
      const { google } = world;
      const started = Date.now();
      await world.start();
      await waitUntil("the initial imports", () => google.writeCount() >= taskIds.length, 600_000, 100);
      await world.waitIdle(
        seeded.map((b) => b.bindingId),
        600_000,
      );
      const startupSeconds = (Date.now() - started) / 1000;
      progress(`p1: ${seeded.length} bindings on ${operators} accounts imported and idle in ${startupSeconds.toFixed(1)} s`);

      // Each task changes at most once per cycle through the shuffled list.
      const order = taskIds
        .map((id) => ({ id, key: Math.random() }))
        .sort((a, b) => a.key - b.key)
        .map((t) => t.id);
      const total = Math.round(params.rate * params.seconds);
      const interval = 1000 / params.rate;
      const logFrom = google.callLog.length;
      // Event ids start with the task id's hex digits (adapters/event-ids.ts), whatever the calendar.
      const changes: { eventIdPrefix: string; committedAt: number }[] = [];
      const inFlight: Promise<void>[] = [];
      const begin = Date.now();
      for (let k = 0; k < total; k++) {
        const wait = begin + k * interval - Date.now();
        if (wait > 0) await sleep(wait);
        const id = order[k % order.length];
        inFlight.push(
          world.call("PATCH", `/api/tasks/${id}`, { subject: `Changed ${k}` }).then(({ body }) => {
            changes.push({ eventIdPrefix: id.replace(/-/g, ""), committedAt: Date.parse(body.updatedAt) });
          }),
        );
      }
      await Promise.all(inFlight);
      const achievedRate = total / ((Date.now() - begin) / 1000);

      const latencies: number[] = [];
      const matched = new Set<number>();
      const match = () => {
        latencies.length = 0;
        matched.clear();
        const writes = google.callLog
          .slice(logFrom)
          .map((call, i) => ({ call, i }))
          .filter(({ call }) => call.write && call.method !== "POST");
        let missing = 0;
        for (const change of changes) {
          const hit = writes.find(
            ({ call, i }) => !matched.has(i) && call.path.includes(`/events/${change.eventIdPrefix}`) && call.at >= change.committedAt - 1,
          );
          if (!hit) missing++;
          else {
            matched.add(hit.i);
            latencies.push(hit.call.at - change.committedAt);
          }
        }
        return missing;
      };
      await waitUntil("every change to be written", () => match() === 0, params.waitSeconds * 1000, 250).catch(() => {});
      const missing = match();
      return {
        metrics: {
          p50: round(quantile(latencies, 0.5), 0),
          p95: round(quantile(latencies, 0.95), 0),
          p99: round(quantile(latencies, 0.99), 0),
          missing,
          startupSeconds: round(startupSeconds, 1),
        },
        info: {
          bindings: seeded.length,
          accounts: operators,
          changes: total,
          achievedRatePerSecond: round(achievedRate, 1),
          max: Math.max(...latencies),
          rateLimitErrors: google.rateLimitErrors,
        },
      };
    } finally {
      await world.close();
      await database.release();
    }
  },
};
