// P3 quota ceiling: one Google account that the fake limits to Q calls per
// window (Google: 600 per 60 s; scaled here so the run stays short but spans
// several windows), googleRequestsPerMinute set to match, and an initial
// import of many tasks into one calendar. Achieved calls/min as a fraction of
// Q, and the 403/429 answers (goal: ≥ 0.95 of Q, none).
import type { Scenario } from "./scenario.js";
import { acquireDatabase, countKinds, insertTasks, progress, round, startWorld, waitUntil } from "./world.js";

interface P3Params {
  tasks: number;
  /** Calls the fake allows per window. */
  quota: number;
  windowSeconds: number;
}

export const p3Quota: Scenario<P3Params> = {
  id: "p3",
  title: "P3 quota ceiling",
  params: (quick) => (quick ? { tasks: 250, quota: 200, windowSeconds: 10 } : { tasks: 5000, quota: 1000, windowSeconds: 20 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "fractionOfQuota", label: "achieved calls/min ÷ Q", goal: { op: ">=", value: 0.95 }, digits: 3 },
    { key: "callsPerMinute", label: "achieved calls/min", digits: 0 },
    { key: "quotaPerMinute", label: "Q (calls/min)", digits: 0 },
    { key: "errors", label: "403/429 answers", goal: { op: "==", value: 0 }, digits: 0 },
    { key: "importSeconds", label: "import wall time", unit: "s", digits: 1 },
  ],
  async run(params) {
    const quotaPerMinute = (params.quota * 60) / params.windowSeconds;
    if (quotaPerMinute > 10_000) throw new Error(`Q = ${quotaPerMinute}/min is over the largest googleRequestsPerMinute (10,000)`);
    const database = await acquireDatabase();
    const world = await startWorld({ database, fake: { quota: { limit: params.quota, windowMs: params.windowSeconds * 1000 } } });
    try {
      const [binding] = await world.seed({ operators: 1, typesPerOperator: 1, pollIntervalSeconds: 3600, googleRequestsPerMinute: quotaPerMinute });
      await insertTasks(
        database,
        Array.from({ length: params.tasks }, () => binding),
      );
      const { google } = world;
      await world.start();
      await waitUntil("the import", () => google.writeCount() >= params.tasks, 30 * 60_000, 100);
      await world.waitIdle([binding.bindingId], 60_000);
      const calls = google.callLog;
      const first = calls[0].at;
      const last = calls[calls.length - 1].at;
      // n calls paced at rate r span (n − 1)/r.
      const callsPerMinute = ((calls.length - 1) * 60_000) / Math.max(1, last - first);
      const errors = calls.filter((c) => c.status === 403 || c.status === 429).length;
      progress(`p3: ${calls.length} calls in ${((last - first) / 1000).toFixed(1)} s: ${JSON.stringify(countKinds(calls))}`);
      return {
        metrics: {
          fractionOfQuota: round(callsPerMinute / quotaPerMinute, 3),
          callsPerMinute: round(callsPerMinute, 0),
          quotaPerMinute,
          errors,
          importSeconds: round((last - first) / 1000, 1),
        },
        info: { calls: calls.length, callsByKind: countKinds(calls), rateLimitErrors: google.rateLimitErrors },
      };
    } finally {
      await world.close();
      await database.release();
    }
  },
};
