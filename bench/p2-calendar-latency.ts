// P2 calendar → CRM latency: an event edited "in Google's UI" (the fake's
// user actions) until the task row changes (its NOTIFY reaches us): once with
// push channels (the fake POSTs watch notifications to the service's
// /webhooks/google over HTTP), once with polling alone. Then the service's own
// part under bursts, as a new user tries it: a few bindings with push
// channels, events created in Google in short bursts, each from the notice
// (the fake sends it as it stores the event) until its task is committed.
import { inArray } from "drizzle-orm";
import { tasks } from "../db/schema.js";
import type { Scenario } from "./scenario.js";
import { acquireDatabase, callKind, eventIdForTaskId, insertTasks, progress, quantile, round, sleep, startWorld, waitUntil } from "./world.js";

interface P2Params {
  /** Bindings, each on its own account; edits run on all of them at once. */
  bindings: number;
  editsPerBinding: number;
  /** Poll interval of the polling-only run (the webhook run polls hourly). */
  pollIntervalSeconds: number;
  /** Burst run: bindings with push channels, events created in each, events per burst. */
  burstBindings: number;
  burstEvents: number;
  burstSize: number;
}

/** Time between two events of a burst, and between bursts (a person creating events quickly, then pausing). */
const IN_BURST_MS = 50;
const BETWEEN_BURSTS_MS = 1_000;

/**
 * Notice → task committed under bursts: events created in Google, each in a
 * burst of a few, on every binding at once; latency from the notice (sent as
 * the event is stored) to the NOTIFY of the task it became. Google's default
 * per-user pace (600/min) applies, as it would for a new user.
 */
async function measureBursts(params: P2Params): Promise<{ latencies: number[]; missing: number }> {
  const database = await acquireDatabase();
  const world = await startWorld({ database, webhook: true });
  try {
    const seeded = await world.seed({
      operators: params.burstBindings,
      typesPerOperator: 1,
      pollIntervalSeconds: 3600,
      googleRequestsPerMinute: 600,
    });
    const { google } = world;
    await world.start();
    await world.waitIdle(
      seeded.map((b) => b.bindingId),
      120_000,
    );
    await waitUntil("watch channels", () => google.activeChannels().length >= seeded.length, 30_000);
    await sleep(300);

    const committed = new Map<string, number>();
    const stop = await database.notifier.listen("taskcal_tasks", (payload) => {
      const { taskId } = JSON.parse(payload) as { taskId: string };
      if (!committed.has(taskId)) committed.set(taskId, Date.now());
    });
    const noticed = new Map<string, number>();
    const start = new Date(Date.now() + 2 * 86_400_000);
    await Promise.all(
      seeded.map(async (binding, b) => {
        const email = world.emailOf(binding.operator);
        const calendarId = google.user.calendars(email).find((c) => c.summary === binding.calendarName)!.id;
        for (let e = 0; e < params.burstEvents; e++) {
          await sleep(e % params.burstSize === 0 ? (e === 0 ? Math.random() * 200 : BETWEEN_BURSTS_MS) : IN_BURST_MS);
          const summary = `burst ${b}-${e}`;
          const at = new Date(start.getTime() + e * 3_600_000);
          google.user.createEvent(email, calendarId, {
            summary,
            start: { dateTime: at.toISOString() },
            end: { dateTime: new Date(at.getTime() + 1_800_000).toISOString() },
          });
          noticed.set(summary, Date.now());
        }
      }),
    );
    const expected = params.burstBindings * params.burstEvents;
    await waitUntil("the burst's tasks", () => committed.size >= expected, 30_000, 20).catch(() => {});
    await stop();
    const rows = committed.size
      ? await database.db
          .select({ id: tasks.id, subject: tasks.subject })
          .from(tasks)
          .where(inArray(tasks.id, [...committed.keys()]))
      : [];
    const latencies: number[] = [];
    for (const row of rows) {
      const sent = noticed.get(row.subject);
      if (sent !== undefined) latencies.push(committed.get(row.id)! - sent);
    }
    return { latencies, missing: expected - latencies.length };
  } finally {
    await world.close();
    await database.release();
  }
}

async function measure(
  params: P2Params,
  mode: "webhook" | "polling",
): Promise<{ latencies: number[]; missing: number; notifications: number; polls: number }> {
  const database = await acquireDatabase();
  const webhook = mode === "webhook";
  const world = await startWorld({ database, webhook });
  try {
    const pollIntervalSeconds = webhook ? 3600 : params.pollIntervalSeconds;
    const seeded = await world.seed({ operators: params.bindings, typesPerOperator: 1, pollIntervalSeconds, googleRequestsPerMinute: 500 });
    const taskIds = await insertTasks(database, seeded);
    const { google } = world;
    await world.start();
    await waitUntil("the initial imports", () => google.writeCount() >= taskIds.length, 120_000, 50);
    await world.waitIdle(
      seeded.map((b) => b.bindingId),
      120_000,
    );
    if (webhook) await waitUntil("watch channels", () => google.activeChannels().length >= seeded.length, 30_000);
    await sleep(300);

    const waiting = new Map<string, () => void>();
    const stop = await database.notifier.listen("taskcal_tasks", (payload) => {
      const { taskId } = JSON.parse(payload) as { taskId: string };
      waiting.get(taskId)?.();
    });
    const latencies: number[] = [];
    let missing = 0;
    const logFrom = google.callLog.length;
    const spreadMs = webhook ? 300 : pollIntervalSeconds * 1000;
    await Promise.all(
      seeded.map(async (binding, i) => {
        const email = world.emailOf(binding.operator);
        const calendarId = google.user.calendars(email).find((c) => c.summary === binding.calendarName)!.id;
        const taskId = taskIds[i];
        for (let e = 0; e < params.editsPerBinding; e++) {
          await sleep(Math.random() * spreadMs);
          const seen = new Promise<number>((resolve) => waiting.set(taskId, () => resolve(Date.now())));
          const t0 = Date.now();
          google.user.updateEvent(email, calendarId, eventIdForTaskId(taskId, calendarId), { summary: `${mode} ${e}` });
          const t1 = await Promise.race([seen, sleep(spreadMs * 3 + 10_000).then(() => null)]);
          waiting.delete(taskId);
          if (t1 === null) missing++;
          else latencies.push(t1 - t0);
          // Let the pass the edit caused (and the CRM notice it raised) finish.
          await waitUntil("the actor to settle", () => world.supervisor.actorStatus(binding.bindingId)?.idle ?? false, 20_000, 10);
        }
      }),
    );
    await stop();
    const polls = google.callLog.slice(logFrom).filter((c) => callKind(c) === "events.list").length;
    return { latencies, missing, notifications: google.notifications.length, polls };
  } finally {
    await world.close();
    await database.release();
  }
}

export const p2CalendarLatency: Scenario<P2Params> = {
  id: "p2",
  title: "P2 calendar → CRM latency",
  params: (quick) => ({
    bindings: quick ? 5 : 20,
    editsPerBinding: quick ? 3 : 5,
    pollIntervalSeconds: quick ? 3 : 10,
    burstBindings: 4,
    burstEvents: 20,
    burstSize: 5,
  }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "webhookP50", label: "webhook path, p50", unit: "ms", digits: 0 },
    { key: "webhookP95", label: "webhook path, p95", unit: "ms", digits: 0 },
    { key: "pollingP50", label: "polling alone, p50", unit: "ms", digits: 0 },
    { key: "pollingP95", label: "polling alone, p95", unit: "ms", digits: 0 },
    { key: "pollingP50PerInterval", label: "polling alone, p50 ÷ poll interval", digits: 2 },
    { key: "burstP50", label: "bursts: notice → task committed, p50", unit: "ms", digits: 0 },
    { key: "burstP99", label: "bursts: notice → task committed, p99", unit: "ms", digits: 0, goal: { op: "<=", value: 500 } },
    { key: "missing", label: "edits not in the CRM in time", goal: { op: "==", value: 0 }, digits: 0 },
  ],
  async run(params) {
    const webhook = await measure(params, "webhook");
    progress(`p2: webhook ${webhook.latencies.length} samples, ${webhook.notifications} notifications sent`);
    const polling = await measure(params, "polling");
    progress(`p2: polling ${polling.latencies.length} samples, ${polling.polls} list calls`);
    const bursts = await measureBursts(params);
    progress(`p2: bursts ${bursts.latencies.length} samples, ${bursts.missing} missing`);
    const p50 = quantile(polling.latencies, 0.5);
    return {
      metrics: {
        webhookP50: round(quantile(webhook.latencies, 0.5), 0),
        webhookP95: round(quantile(webhook.latencies, 0.95), 0),
        pollingP50: round(p50, 0),
        pollingP95: round(quantile(polling.latencies, 0.95), 0),
        pollingP50PerInterval: p50 === null ? null : round(p50 / (params.pollIntervalSeconds * 1000), 2),
        burstP50: round(quantile(bursts.latencies, 0.5), 0),
        burstP99: round(quantile(bursts.latencies, 0.99), 0),
        missing: webhook.missing + polling.missing + bursts.missing,
      },
      info: {
        samples: { webhook: webhook.latencies.length, polling: polling.latencies.length, bursts: bursts.latencies.length },
        notificationsSent: webhook.notifications,
      },
    };
  },
};
