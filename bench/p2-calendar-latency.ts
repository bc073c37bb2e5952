// P2 calendar → CRM latency: an event edited "in Google's UI" (the fake's
// user actions) until the task row changes (its NOTIFY reaches us): once with
// push channels (the fake POSTs watch notifications to the service's
// /webhooks/google over HTTP), once with polling alone.
import type { Scenario } from "./scenario.js";
import { acquireDatabase, callKind, eventIdForTaskId, insertTasks, progress, quantile, round, sleep, startWorld, waitUntil } from "./world.js";

interface P2Params {
  /** Bindings, each on its own account; edits run on all of them at once. */
  bindings: number;
  editsPerBinding: number;
  /** Poll interval of the polling-only run (the webhook run polls hourly). */
  pollIntervalSeconds: number;
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
  params: (quick) => ({ bindings: quick ? 5 : 20, editsPerBinding: quick ? 3 : 5, pollIntervalSeconds: quick ? 3 : 10 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "webhookP50", label: "webhook path, p50", unit: "ms", digits: 0 },
    { key: "webhookP95", label: "webhook path, p95", unit: "ms", digits: 0 },
    { key: "pollingP50", label: "polling alone, p50", unit: "ms", digits: 0 },
    { key: "pollingP95", label: "polling alone, p95", unit: "ms", digits: 0 },
    { key: "pollingP50PerInterval", label: "polling alone, p50 ÷ poll interval", digits: 2 },
    { key: "missing", label: "edits not in the CRM in time", goal: { op: "==", value: 0 }, digits: 0 },
  ],
  async run(params) {
    const webhook = await measure(params, "webhook");
    progress(`p2: webhook ${webhook.latencies.length} samples, ${webhook.notifications} notifications sent`);
    const polling = await measure(params, "polling");
    progress(`p2: polling ${polling.latencies.length} samples, ${polling.polls} list calls`);
    const p50 = quantile(polling.latencies, 0.5);
    return {
      metrics: {
        webhookP50: round(quantile(webhook.latencies, 0.5), 0),
        webhookP95: round(quantile(webhook.latencies, 0.95), 0),
        pollingP50: round(p50, 0),
        pollingP95: round(quantile(polling.latencies, 0.95), 0),
        pollingP50PerInterval: p50 === null ? null : round(p50 / (params.pollIntervalSeconds * 1000), 2),
        missing: webhook.missing + polling.missing,
      },
      info: { samples: { webhook: webhook.latencies.length, polling: polling.latencies.length }, notificationsSent: webhook.notifications },
    };
  },
};
