// P4 scale: many bindings in one service process, idle: resident memory, the
// memory each binding adds, CPU time, and polling calls and bytes per binding
// per minute, first with polling alone, then with push channels (polling
// becomes a backstop, R17). The service (database, engine, adapters, and the
// webhook's HTTP server) runs in a child process so that its memory and CPU
// are its own; the fake Google server stays in the bench process and counts
// the polls and the bytes on its connections.
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { inArray } from "drizzle-orm";
import { registerBuiltInProviders } from "../adapters/built-in.js";
import { ProviderRegistry } from "../adapters/registry.js";
import { createApp } from "../api/app.js";
import { DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE } from "../config.js";
import { operators } from "../db/schema.js";
import { SecretBox } from "../db/secret-box.js";
import { Supervisor } from "../engine/supervisor.js";
import { startFakeGoogle } from "../testkit/fake-google/server.js";
import type { Scenario } from "./scenario.js";
import {
  ADMIN_TOKEN,
  acquireDatabase,
  callKind,
  closeDatabases,
  logger,
  round,
  SECRET_KEY,
  seedBindings,
  serviceFlags,
  sleep,
  startWebhookServer,
  waitUntil,
} from "./world.js";

interface P4Params {
  bindings: number;
  /** Calendars (bindings) per Google account: 10 is the project's usual shape, 1 is each operator on an account of their own. */
  perAccount: number;
  /** The Google project's pace (GOOGLE_PROJECT_QUOTA_PER_MINUTE), its default unless set. */
  projectQuotaPerMinute: number;
  idleSeconds: number;
  /** The window with push channels open: long enough to see the backstop polls (BACKSTOP_FACTOR × the interval) at small scale. */
  pushIdleSeconds: number;
  pollIntervalSeconds: number;
}

interface ChildConfig extends P4Params {
  rootUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  tokens: string[];
}

interface IdleWindow {
  start: number;
  end: number;
  cpuMsPerMinute: number;
}

interface ChildReport {
  startupSeconds: number;
  /** Seconds from enabling a binding until it idles in `incremental`, summed over the bindings. */
  startupBindingSeconds: number;
  /** Seconds start-up calls waited on the pacers (account's and project's), summed. */
  startupPacerWaitSeconds: number;
  halfHeapMiB: number;
  halfRssMiB: number;
  heapUsedMiB: number;
  rssMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  /** Open sockets (database, Google keep-alive) and timers when measured. */
  resources: Record<string, number>;
  polling: IdleWindow;
  push: IdleWindow;
}

type ChildMessage =
  | { type: "progress"; message: string }
  | { type: "mark"; name: string }
  | { type: "report"; report: ChildReport }
  | { type: "error"; message: string };

const MiB = 2 ** 20;

function send(message: ChildMessage): void {
  process.send!(message);
}

function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / MiB, heapTotal: m.heapTotal / MiB, rss: m.rss / MiB, external: (m.external + m.arrayBuffers) / MiB };
}

/**
 * CPU used by this process per minute while it sits idle for `seconds`; the
 * parent marks the window's traffic. With BENCH_P4_CPU_PROFILE=<dir>, the
 * window (and only it) is profiled into `<dir>/p4-<name>.cpuprofile`.
 */
async function idleWindow(name: string, seconds: number): Promise<IdleWindow> {
  const profileDir = process.env.BENCH_P4_CPU_PROFILE;
  const session = profileDir ? new Session() : null;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  send({ type: "mark", name: `${name}-start` });
  const before = process.resourceUsage();
  const start = Date.now();
  await sleep(seconds * 1000);
  const after = process.resourceUsage();
  const end = Date.now();
  send({ type: "mark", name: `${name}-end` });
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(`${profileDir}/p4-${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
  const cpuMs = (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000;
  return { start, end, cpuMsPerMinute: (cpuMs * 60_000) / (end - start) };
}

/** The service side, in the child process. */
async function child(config: ChildConfig): Promise<ChildReport> {
  const database = await acquireDatabase();
  const secrets = new SecretBox(SECRET_KEY);
  const seeded = await seedBindings(database, secrets, {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    tokens: config.tokens,
    typesPerOperator: config.perAccount,
    pollIntervalSeconds: config.pollIntervalSeconds,
    googleRequestsPerMinute: 500,
  });
  const ids = seeded.map((b) => b.bindingId);
  let pacerWaitSeconds = 0;
  const pacing = {
    pacerCreated() {},
    throttled() {},
    waited: (_p: string, _c: string, _priority: string, seconds: number) => void (pacerWaitSeconds += seconds),
  };
  const providers = registerBuiltInProviders(new ProviderRegistry(), {
    google: { apiRootUrl: config.rootUrl, tokenUrl: config.tokenUrl, projectRequestsPerMinute: config.projectQuotaPerMinute, pacing },
  });
  const makeSupervisor = (webhookBaseUrl?: string) => new Supervisor({ database, providers, secrets, logger, webhookBaseUrl });
  /** Waits for the actors to idle; adds each one's time from `since` until it was first seen idle to `idleAfter`. */
  const idleAfter = { seconds: 0 };
  const allIdle = (supervisor: Supervisor, which: string[], since?: number) => {
    const waiting = new Set(which);
    return waitUntil(
      `${which.length} actors to idle`,
      () => {
        for (const id of waiting) {
          if (!(supervisor.actorStatus(id)?.idle ?? false)) continue;
          waiting.delete(id);
          if (since !== undefined) idleAfter.seconds += (Date.now() - since) / 1000;
        }
        return waiting.size === 0;
      },
      60 * 60_000,
      250,
    );
  };

  // Half the operators first: the memory the other half adds is what a binding costs, start-up costs aside.
  const operatorIds = [...new Set(seeded.map((b) => b.operatorId))];
  const later = operatorIds.slice(Math.ceil(operatorIds.length / 2));
  await database.db.update(operators).set({ syncEnabled: false }).where(inArray(operators.id, later));
  const laterSet = new Set(later);
  const first = seeded.filter((b) => !laterSet.has(b.operatorId)).map((b) => b.bindingId);

  let supervisor = makeSupervisor();
  const started = Date.now();
  await supervisor.start();
  await allIdle(supervisor, first, started);
  const firstIdle = Date.now();
  await sleep(1_000);
  const half = memory();
  const enabled = Date.now();
  await database.db.update(operators).set({ syncEnabled: true }).where(inArray(operators.id, later));
  await waitUntil("the other half to spawn", () => ids.every((id) => (supervisor.actorStatus(id)?.state ?? null) !== null), 60 * 60_000, 250);
  const firstSet = new Set(first);
  await allIdle(
    supervisor,
    ids.filter((id) => !firstSet.has(id)),
    enabled,
  );
  // The pause between the halves (the memory measurement) is the bench's, not start-up's.
  const startupSeconds = (firstIdle - started + (Date.now() - enabled)) / 1000;
  const startupPacerWaitSeconds = pacerWaitSeconds;
  send({ type: "progress", message: `p4: ${ids.length} actors idle after ${startupSeconds.toFixed(1)} s` });
  await sleep(1_000);
  const full = memory();
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const polling = await idleWindow("polling", config.idleSeconds);
  await supervisor.stop();

  // Push channels: the same bindings, restarted with a webhook the fake's channels notify.
  const server = await startWebhookServer();
  supervisor = makeSupervisor(server.webhookBaseUrl);
  server.serve(createApp({ database, secrets, adminToken: ADMIN_TOKEN, logger, engine: supervisor, providers }));
  await supervisor.start();
  await allIdle(supervisor, ids);
  // Each channel's first notice and the pull after opening it settle before the window.
  await sleep(Math.max(3_000, config.pollIntervalSeconds * 1000 * 1.5));
  await allIdle(supervisor, ids);
  send({ type: "progress", message: "p4: push channels open" });
  const push = await idleWindow("push", config.pushIdleSeconds);

  await supervisor.stop();
  await server.close();
  await database.release();
  await closeDatabases();
  return {
    startupSeconds,
    startupBindingSeconds: idleAfter.seconds,
    startupPacerWaitSeconds,
    halfHeapMiB: half.heap,
    halfRssMiB: half.rss,
    heapUsedMiB: full.heap,
    rssMiB: full.rss,
    heapTotalMiB: full.heapTotal,
    externalMiB: full.external,
    resources,
    polling,
    push,
  };
}

if (process.argv.includes("--p4-child")) {
  process.once("message", (config: ChildConfig) => {
    child(config).then(
      (report) => process.send!({ type: "report", report } satisfies ChildMessage, () => process.exit(0)),
      (error: unknown) =>
        process.send!(
          { type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage,
          () => process.exit(1),
        ),
    );
  });
}

export const p4Scale: Scenario<P4Params> = {
  id: "p4",
  title: "P4 scale (idle)",
  params: (quick) =>
    quick
      ? {
          bindings: 50,
          perAccount: 5,
          projectQuotaPerMinute: DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE,
          idleSeconds: 10,
          pushIdleSeconds: 22,
          pollIntervalSeconds: 2,
        }
      : {
          bindings: 10_000,
          perAccount: 10,
          projectQuotaPerMinute: DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE,
          idleSeconds: 60,
          pushIdleSeconds: 120,
          pollIntervalSeconds: 60,
        },
  runs: (quick) => (quick ? 1 : 2),
  metrics: [
    { key: "rssMiB", label: "resident memory (service process)", unit: "MiB", digits: 0 },
    { key: "heapUsedMiB", label: "JS heap used", unit: "MiB", digits: 0 },
    { key: "heapKiBPerBinding", label: "JS heap each binding adds", unit: "KiB", digits: 1 },
    { key: "rssKiBPerBinding", label: "resident memory each binding adds", unit: "KiB", digits: 1 },
    { key: "cpuPercent", label: "CPU while idle, polling alone (% of one core)", unit: "%", digits: 1 },
    { key: "pollsPerBindingPerInterval", label: "polls per binding per poll interval, polling alone", goal: { op: "<=", value: 1 }, digits: 2 },
    { key: "achievedPollIntervalSeconds", label: "poll interval achieved, polling alone (the project's pace stretches it)", unit: "s", digits: 1 },
    { key: "bytesPerPoll", label: "bytes on the wire per poll (request and answer)", unit: "B", digits: 0 },
    { key: "bytesPerBindingPerMinute", label: "polling bytes per binding per minute, polling alone", unit: "B", digits: 0 },
    { key: "pushPollsPerBindingPerMinute", label: "polls per binding per minute, push channels open", digits: 3 },
    { key: "pushBytesPerBindingPerMinute", label: "polling bytes per binding per minute, push channels open", unit: "B", digits: 0 },
    { key: "pushCpuPercent", label: "CPU while idle, push channels open (% of one core)", unit: "%", digits: 1 },
    { key: "startupSeconds", label: "start-up until every actor idles", unit: "s", digits: 1 },
    { key: "startupPacerShare", label: "share of each binding's start-up spent waiting on the pacers", digits: 2 },
    { key: "startupCallsPerMinute", label: "Google calls per minute during start-up", digits: 0 },
  ],
  async run(params) {
    const google = await startFakeGoogle();
    try {
      const accounts = Math.ceil(params.bindings / params.perAccount);
      const bindings = accounts * params.perAccount;
      const tokens = Array.from({ length: accounts }, (_, i) => google.addAccount(`scale${i}@bench.example`));
      const marks = new Map<string, number>();
      /** HTTP requests the fake served by each mark: a batch of polls is one. */
      const requestMarks = new Map<string, number>();
      const worker = fork(fileURLToPath(import.meta.url), ["--p4-child"], {
        execArgv: ["--import", "tsx", "--expose-gc", ...serviceFlags(), ...(process.env.BENCH_CHILD_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [])],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const report = await new Promise<ChildReport>((resolve, reject) => {
        worker.on("message", (message: ChildMessage) => {
          if (message.type === "progress") process.stderr.write(`[bench] ${message.message}\n`);
          if (message.type === "mark") {
            marks.set(message.name, google.trafficBytes());
            requestMarks.set(message.name, google.httpRequests);
          }
          if (message.type === "report") resolve(message.report);
          if (message.type === "error") reject(new Error(`P4 child: ${message.message}`));
        });
        worker.on("exit", (code) => reject(new Error(`P4 child exited with ${code}`)));
        worker.send({
          ...params,
          bindings,
          rootUrl: google.rootUrl,
          tokenUrl: google.tokenUrl,
          clientId: google.clientId,
          clientSecret: google.clientSecret,
          tokens,
        } satisfies ChildConfig);
      });
      const perBindingPerMinute = (window: IdleWindow, name: string) => {
        const minutes = (window.end - window.start) / 60_000;
        const calls = google.callLog.filter((c) => c.at >= window.start && c.at <= window.end);
        const polls = calls.filter((c) => callKind(c) === "events.list").length;
        const bytes = marks.get(`${name}-end`)! - marks.get(`${name}-start`)!;
        const requests = requestMarks.get(`${name}-end`)! - requestMarks.get(`${name}-start`)!;
        return {
          calls: calls.length,
          httpRequestsPerPoll: polls ? requests / polls : null,
          polls: polls / bindings / minutes,
          bytes: bytes / bindings / minutes,
          bytesPerPoll: polls ? bytes / polls : null,
        };
      };
      const polling = perBindingPerMinute(report.polling, "polling");
      const startupCalls = google.callLog.filter((c) => c.at < report.polling.start).length;
      const push = perBindingPerMinute(report.push, "push");
      // The child enables the second half of the operators after measuring the first.
      const added = (accounts - Math.ceil(accounts / 2)) * params.perAccount;
      return {
        metrics: {
          rssMiB: round(report.rssMiB, 0),
          heapUsedMiB: round(report.heapUsedMiB, 0),
          heapKiBPerBinding: round(((report.heapUsedMiB - report.halfHeapMiB) * 1024) / added, 1),
          rssKiBPerBinding: round(((report.rssMiB - report.halfRssMiB) * 1024) / added, 1),
          cpuPercent: round(report.polling.cpuMsPerMinute / 600, 1),
          pollsPerBindingPerInterval: round((polling.polls * params.pollIntervalSeconds) / 60, 2),
          bytesPerPoll: round(polling.bytesPerPoll, 0),
          bytesPerBindingPerMinute: round(polling.bytes, 0),
          pushPollsPerBindingPerMinute: round(push.polls, 3),
          pushBytesPerBindingPerMinute: round(push.bytes, 0),
          pushCpuPercent: round(report.push.cpuMsPerMinute / 600, 1),
          startupSeconds: round(report.startupSeconds, 1),
          startupPacerShare: round(report.startupPacerWaitSeconds / Math.max(1e-9, report.startupBindingSeconds), 2),
          startupCallsPerMinute: round((startupCalls * 60) / report.startupSeconds, 0),
          achievedPollIntervalSeconds: round(60 / polling.polls, 1),
        },
        info: {
          bindings,
          accounts,
          bindingsAddedForMarginalMemory: added,
          heapTotalMiB: round(report.heapTotalMiB, 0),
          externalMiB: round(report.externalMiB, 0),
          activeResources: report.resources,
          callsInPollingWindow: polling.calls,
          httpRequestsPerPoll: round(polling.httpRequestsPerPoll, 2),
          callsInPushWindow: push.calls,
          pollsPerBindingPerMinute: round(polling.polls, 2),
          channels: google.activeChannels().length,
          rateLimitErrors: google.rateLimitErrors,
          startupPacerWaitSeconds: round(report.startupPacerWaitSeconds, 0),
          startupBindingSeconds: round(report.startupBindingSeconds, 0),
          v8Flags: serviceFlags().join(" "),
        },
      };
    } finally {
      await google.close();
    }
  },
};
