// P4 scale: many bindings in one service process, idle: resident memory, CPU
// time, and polling calls per binding per minute. The service (database,
// engine, adapters) runs in a child process so that its memory and CPU are
// its own; the fake Google server stays in the bench process and counts the
// polls in its call log.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createGoogleAdapterFactory } from "../adapters/google";
import { SecretBox } from "../db/secret-box";
import { Supervisor } from "../engine/supervisor";
import { startFakeGoogle } from "../test/fake-google/server";
import type { Scenario } from "./scenario";
import { acquireDatabase, closeDatabases, logger, progress, round, SECRET_KEY, seedBindings, sleep, waitUntil } from "./world";

interface P4Params {
  bindings: number;
  perAccount: number;
  idleSeconds: number;
  pollIntervalSeconds: number;
}

interface ChildConfig extends P4Params {
  rootUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  tokens: string[];
}

interface ChildReport {
  startupSeconds: number;
  windowStart: number;
  windowEnd: number;
  baselineRssMiB: number;
  baselineHeapMiB: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  cpuMsPerMinute: number;
  startupCpuSeconds: number;
  idleActors: number;
}

const MiB = 2 ** 20;

/** The service side, in the child process. */
async function child(config: ChildConfig): Promise<ChildReport> {
  const database = await acquireDatabase();
  globalThis.gc?.();
  const baselineRss = process.memoryUsage().rss;
  const baselineHeap = process.memoryUsage().heapUsed;
  const secrets = new SecretBox(SECRET_KEY);
  const seeded = await seedBindings(database, secrets, {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    tokens: config.tokens,
    typesPerOperator: config.perAccount,
    pollIntervalSeconds: config.pollIntervalSeconds,
    googleRequestsPerMinute: 500,
  });
  const adapters = createGoogleAdapterFactory({ apiRootUrl: config.rootUrl, tokenUrl: config.tokenUrl, requestsPerMinute: 500 });
  const supervisor = new Supervisor({ database, adapters, secrets, logger, onSettings: (s) => adapters.setRequestsPerMinute(s.googleRequestsPerMinute) });
  const cpuStart = process.cpuUsage();
  const started = Date.now();
  await supervisor.start();
  const ids = seeded.map((b) => b.bindingId);
  await waitUntil("every actor to idle", () => ids.every((id) => supervisor.isIdle(id)), 30 * 60_000, 250);
  const startupSeconds = (Date.now() - started) / 1000;
  const startupCpu = process.cpuUsage(cpuStart);
  process.send!({ type: "progress", message: `p4: ${ids.length} actors idle after ${startupSeconds.toFixed(1)} s` });
  await sleep(1_000);

  const before = process.resourceUsage();
  const windowStart = Date.now();
  await sleep(config.idleSeconds * 1000);
  const after = process.resourceUsage();
  const windowEnd = Date.now();
  globalThis.gc?.();
  const memory = process.memoryUsage();
  const cpuMs = (after.userCPUTime + after.systemCPUTime - before.userCPUTime - before.systemCPUTime) / 1000;
  const idleActors = ids.filter((id) => supervisor.isIdle(id) || supervisor.stateOf(id) === "incremental").length;
  await supervisor.stop();
  await database.release();
  await closeDatabases();
  return {
    startupSeconds,
    windowStart,
    windowEnd,
    baselineRssMiB: baselineRss / MiB,
    baselineHeapMiB: baselineHeap / MiB,
    rssMiB: memory.rss / MiB,
    heapUsedMiB: memory.heapUsed / MiB,
    externalMiB: (memory.external + memory.arrayBuffers) / MiB,
    cpuMsPerMinute: (cpuMs * 60_000) / (windowEnd - windowStart),
    startupCpuSeconds: (startupCpu.user + startupCpu.system) / 1e6,
    idleActors,
  };
}

if (process.argv.includes("--p4-child")) {
  process.once("message", (config: ChildConfig) => {
    child(config).then(
      (report) => process.send!({ type: "report", report }, () => process.exit(0)),
      (error: unknown) => process.send!({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () => process.exit(1)),
    );
  });
}

export const p4Scale: Scenario<P4Params> = {
  id: "p4",
  title: "P4 scale (idle)",
  params: (quick) => (quick ? { bindings: 50, perAccount: 10, idleSeconds: 8, pollIntervalSeconds: 4 } : { bindings: 10_000, perAccount: 10, idleSeconds: 60, pollIntervalSeconds: 60 }),
  runs: (quick) => (quick ? 1 : 2),
  metrics: [
    { key: "rssMiB", label: "resident memory (service process)", unit: "MiB", digits: 0 },
    { key: "heapKiBPerBinding", label: "JS heap per binding (after GC)", unit: "KiB", digits: 1 },
    { key: "heapUsedMiB", label: "JS heap used", unit: "MiB", digits: 0 },
    { key: "cpuPercent", label: "CPU while idle (% of one core)", unit: "%", digits: 1 },
    { key: "pollsPerBindingPerMinute", label: "polling calls per binding per minute", digits: 2 },
    { key: "pollsPerBindingPerInterval", label: "polling calls per binding per poll interval", goal: { op: "<=", value: 1 }, digits: 2 },
    { key: "startupSeconds", label: "start-up until every actor idles", unit: "s", digits: 1 },
  ],
  async run(params) {
    const google = await startFakeGoogle();
    try {
      const accounts = Math.ceil(params.bindings / params.perAccount);
      const tokens = Array.from({ length: accounts }, (_, i) => google.addAccount(`scale${i}@bench.example`));
      const worker = fork(fileURLToPath(import.meta.url), ["--p4-child"], {
        execArgv: ["--import", "tsx", "--expose-gc", ...(process.env.BENCH_CHILD_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [])],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const report = await new Promise<ChildReport>((resolve, reject) => {
        worker.on("message", (message: { type: string; report?: ChildReport; message?: string }) => {
          if (message.type === "progress") progress(message.message!);
          if (message.type === "report") resolve(message.report!);
          if (message.type === "error") reject(new Error(`P4 child: ${message.message}`));
        });
        worker.on("exit", (code) => reject(new Error(`P4 child exited with ${code}`)));
        worker.send({ ...params, bindings: accounts * params.perAccount, rootUrl: google.rootUrl, tokenUrl: google.tokenUrl, clientId: google.clientId, clientSecret: google.clientSecret, tokens } satisfies ChildConfig);
      });
      const bindings = accounts * params.perAccount;
      const window = google.callLog.filter((c) => c.at >= report.windowStart && c.at <= report.windowEnd);
      const polls = window.filter((c) => c.method === "GET" && c.path.endsWith("/events")).length;
      const minutes = (report.windowEnd - report.windowStart) / 60_000;
      const pollsPerBindingPerMinute = polls / bindings / minutes;
      return {
        metrics: {
          rssMiB: round(report.rssMiB, 0),
          heapKiBPerBinding: round(((report.heapUsedMiB - report.baselineHeapMiB) * 1024) / bindings, 1),
          heapUsedMiB: round(report.heapUsedMiB, 0),
          cpuPercent: round(report.cpuMsPerMinute / 600, 1),
          pollsPerBindingPerMinute: round(pollsPerBindingPerMinute, 2),
          pollsPerBindingPerInterval: round((pollsPerBindingPerMinute * params.pollIntervalSeconds) / 60, 2),
          startupSeconds: round(report.startupSeconds, 1),
        },
        info: {
          bindings,
          accounts,
          baselineRssMiB: round(report.baselineRssMiB, 0),
          externalMiB: round(report.externalMiB, 0),
          startupCpuSeconds: round(report.startupCpuSeconds, 1),
          callsInWindow: window.length,
          pollsInWindow: polls,
          idleActorsAtEnd: report.idleActors,
          rateLimitErrors: google.rateLimitErrors,
        },
      };
    } finally {
      await google.close();
    }
  },
};
