// P7 metrics: what a Prometheus scrape of GET /metrics costs with many
// bindings running (their states and lags are read from the database at each
// scrape, two lag series per binding), and what one CRM change's lag
// bookkeeping costs (the trigger's mark and the pass's settling of it).
import { bindingGauges } from "../db/queries/lag.js";
import { ServiceMetrics } from "../observability/metrics.js";
import type { Scenario } from "./scenario.js";
import { acquireDatabase, median, progress, round, startWorld, waitUntil } from "./world.js";

interface P7Params {
  bindings: number;
  perAccount: number;
  scrapes: number;
  changes: number;
}

export const p7Metrics: Scenario<P7Params> = {
  id: "p7",
  title: "P7 metrics scrape",
  params: (quick) => ({ bindings: quick ? 200 : 2_000, perAccount: 10, scrapes: quick ? 5 : 10, changes: quick ? 10 : 50 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "scrapeMs", label: "GET /metrics, median time", unit: "ms" },
    { key: "scrapeKiB", label: "GET /metrics, size", unit: "KiB", digits: 1 },
    { key: "bytesPerBinding", label: "scrape bytes each binding adds", unit: "B", digits: 0 },
    { key: "changeMs", label: "CRM change → Google write, median (lag bookkeeping included)", unit: "ms" },
  ],
  async run(params) {
    const database = await acquireDatabase();
    const world = await startWorld({ database, requestsPerMinute: 100_000 });
    try {
      const seeded = await world.seed({
        operators: Math.ceil(params.bindings / params.perAccount),
        typesPerOperator: params.perAccount,
        pollIntervalSeconds: 3600,
        googleRequestsPerMinute: 10_000,
      });
      await world.start();
      await world.waitIdle(
        seeded.map((b) => b.bindingId),
        600_000,
      );
      progress(`p7: ${seeded.length} bindings idle`);
      const metrics = new ServiceMetrics();
      metrics.watch({ bindings: () => bindingGauges(database.db, world.supervisor.runningBindingIds()), providers: () => ["google", "caldav"] });
      const empty = (await new ServiceMetrics().text()).length;
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < params.scrapes; i++) {
        // Apart, as scrapes are: each reads the database afresh.
        await new Promise((resume) => setTimeout(resume, 1_100));
        const started = performance.now();
        size = (await metrics.text()).length;
        times.push(performance.now() - started);
      }

      const [first] = seeded;
      const changes: number[] = [];
      for (let i = 0; i < params.changes; i++) {
        const writes = world.google.writeCount();
        const started = performance.now();
        await world.call("POST", "/api/tasks", {
          eventTypeId: first.eventTypeId,
          operatorId: first.operatorId,
          subject: `P7 ${i}`,
          start: new Date(Date.now() + (48 + i) * 3_600_000).toISOString(),
          end: new Date(Date.now() + (49 + i) * 3_600_000).toISOString(),
        });
        await waitUntil("the change's write", () => world.google.writeCount() > writes, 20_000, 2);
        changes.push(performance.now() - started);
        await world.waitIdle([first.bindingId], 20_000);
      }
      return {
        metrics: {
          scrapeMs: round(median(times), 1),
          scrapeKiB: round(size / 1024, 1),
          bytesPerBinding: round((size - empty) / seeded.length, 0),
          changeMs: round(median(changes), 1),
        },
        info: { scrapeTimesMs: times.map((t) => round(t, 1)), bindings: seeded.length },
      };
    } finally {
      await world.close();
      await database.release();
    }
  },
};
