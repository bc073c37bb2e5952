// P3 quota ceiling: one Google account that the fake limits to Q calls per
// window (Google: 600 per 60 s; scaled here so the run stays short but spans
// several windows), googleRequestsPerMinute set to match, and an initial
// import of many tasks into one calendar. Achieved calls/min as a fraction of
// Q, and the 403/429 answers (goal: ≥ 0.95 of Q, none). At 10,000 calls/min
// the fake's own work (HTTP server, event store, quota) is a third of what one
// event loop does, so by default the service (database, engine, adapters)
// runs in a child process of its own, as it does in production, and the
// fake stays here counting the calls; `serviceProcess=0` runs both in this one.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { registerBuiltInProviders } from "../adapters/built-in.js";
import { ProviderRegistry } from "../adapters/registry.js";
import { SecretBox } from "../db/secret-box.js";
import { Supervisor } from "../engine/supervisor.js";
import { type LoggedCall, startFakeGoogle } from "../testkit/fake-google/server.js";
import type { Scenario } from "./scenario.js";
import { startEnv, startFlags } from "./start-command.js";
import {
  acquireDatabase,
  closeDatabases,
  countKinds,
  insertTasks,
  logger,
  progress,
  round,
  SECRET_KEY,
  seedBindings,
  startWorld,
  waitUntil,
} from "./world.js";

interface P3Params {
  tasks: number;
  /** Calls the fake allows per window. */
  quota: number;
  windowSeconds: number;
  /** 1: the service in a child process, the fake Google in the bench's; 0: both in the bench's. */
  serviceProcess: number;
  /** googleRequestsPerMinute as a percentage of Q: at 100, network jitter lets a window see a few calls more than the pace sent. */
  pacePercent: number;
}

interface ChildConfig {
  rootUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  token: string;
  tasks: number;
  /** googleRequestsPerMinute. */
  pacePerMinute: number;
}

type ChildMessage = { type: "started" } | { type: "report"; cpuSeconds: number } | { type: "error"; message: string };

/** The service side: seeds the binding and its tasks, runs the import until told the writes are in, reports its CPU time. */
async function child(config: ChildConfig, stopped: Promise<void>): Promise<number> {
  const database = await acquireDatabase();
  const secrets = new SecretBox(SECRET_KEY);
  const [binding] = await seedBindings(database, secrets, {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    tokens: [config.token],
    typesPerOperator: 1,
    pollIntervalSeconds: 3600,
    googleRequestsPerMinute: config.pacePerMinute,
  });
  await insertTasks(
    database,
    Array.from({ length: config.tasks }, () => binding),
  );
  const providers = registerBuiltInProviders(new ProviderRegistry(), {
    google: { apiRootUrl: config.rootUrl, tokenUrl: config.tokenUrl, requestsPerMinute: config.pacePerMinute },
  });
  const supervisor = new Supervisor({ database, providers, secrets, logger });
  const before = process.cpuUsage();
  await supervisor.start();
  process.send!({ type: "started" } satisfies ChildMessage);
  await stopped;
  await waitUntil("the import's actor to settle", () => supervisor.actorStatus(binding.bindingId)?.idle ?? false, 60_000, 50);
  const used = process.cpuUsage(before);
  await supervisor.stop();
  await database.release();
  await closeDatabases();
  return (used.user + used.system) / 1e6;
}

if (process.argv.includes("--p3-child")) {
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once("message", (config: ChildConfig) => {
    process.on("message", stop);
    child(config, stopped).then(
      (cpuSeconds) => process.send!({ type: "report", cpuSeconds } satisfies ChildMessage, () => process.exit(0)),
      (error: unknown) =>
        process.send!(
          { type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage,
          () => process.exit(1),
        ),
    );
  });
}

/** The import with the service in a child process; the fake's call log, and the service's CPU seconds. */
async function runApart(
  params: P3Params,
  pacePerMinute: number,
): Promise<{ calls: LoggedCall[]; rateLimitErrors: number; serviceCpuSeconds: number }> {
  const google = await startFakeGoogle({ quota: { limit: params.quota, windowMs: params.windowSeconds * 1000 } });
  try {
    const token = google.addAccount("operator0@bench.example");
    const worker = fork(fileURLToPath(import.meta.url), ["--p3-child"], {
      execArgv: ["--import", "tsx", ...startFlags()],
      env: { ...process.env, ...startEnv() },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const serviceCpuSeconds = await new Promise<number>((resolve, reject) => {
      worker.on("message", (message: ChildMessage) => {
        if (message.type === "started")
          waitUntil("the import", () => google.writeCount() >= params.tasks, 30 * 60_000, 100).then(() => worker.send("stop"), reject);
        if (message.type === "report") resolve(message.cpuSeconds);
        if (message.type === "error") reject(new Error(`P3 service: ${message.message}`));
      });
      worker.on("exit", (code) => reject(new Error(`P3 service exited with ${code}`)));
      worker.send({
        rootUrl: google.rootUrl,
        tokenUrl: google.tokenUrl,
        clientId: google.clientId,
        clientSecret: google.clientSecret,
        token,
        tasks: params.tasks,
        pacePerMinute,
      } satisfies ChildConfig);
    });
    return { calls: google.callLog, rateLimitErrors: google.rateLimitErrors, serviceCpuSeconds };
  } finally {
    await google.close();
  }
}

/** The import with the service and the fake in this process (the bench's shape before issue 18). */
async function runTogether(
  params: P3Params,
  pacePerMinute: number,
): Promise<{ calls: LoggedCall[]; rateLimitErrors: number; serviceCpuSeconds?: number }> {
  const database = await acquireDatabase();
  const world = await startWorld({ database, fake: { quota: { limit: params.quota, windowMs: params.windowSeconds * 1000 } } });
  try {
    const [binding] = await world.seed({ operators: 1, typesPerOperator: 1, pollIntervalSeconds: 3600, googleRequestsPerMinute: pacePerMinute });
    await insertTasks(
      database,
      Array.from({ length: params.tasks }, () => binding),
    );
    const { google } = world;
    await world.start();
    await waitUntil("the import", () => google.writeCount() >= params.tasks, 30 * 60_000, 100);
    await world.waitIdle([binding.bindingId], 60_000);
    return { calls: google.callLog, rateLimitErrors: google.rateLimitErrors };
  } finally {
    await world.close();
    await database.release();
  }
}

export const p3Quota: Scenario<P3Params> = {
  id: "p3",
  title: "P3 quota ceiling",
  params: (quick) =>
    quick
      ? { tasks: 250, quota: 200, windowSeconds: 10, serviceProcess: 1, pacePercent: 100 }
      : { tasks: 5000, quota: 1000, windowSeconds: 20, serviceProcess: 1, pacePercent: 100 },
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "fractionOfQuota", label: "achieved calls/min ÷ Q", goal: { op: ">=", value: 0.95 }, digits: 3 },
    { key: "callsPerMinute", label: "achieved calls/min", digits: 0 },
    { key: "quotaPerMinute", label: "Q (calls/min)", digits: 0 },
    { key: "errors", label: "403/429 answers", goal: { op: "==", value: 0 }, digits: 0 },
    { key: "importSeconds", label: "import wall time", unit: "s", digits: 1 },
    { key: "serviceCpuMsPerWrite", label: "service CPU per event written (own process only)", unit: "ms", digits: 2 },
  ],
  async run(params) {
    const quotaPerMinute = (params.quota * 60) / params.windowSeconds;
    if (quotaPerMinute > 10_000) throw new Error(`Q = ${quotaPerMinute}/min is over the largest googleRequestsPerMinute (10,000)`);
    const pacePerMinute = Math.floor((quotaPerMinute * params.pacePercent) / 100);
    const result = params.serviceProcess ? await runApart(params, pacePerMinute) : await runTogether(params, pacePerMinute);
    const { calls } = result;
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
        serviceCpuMsPerWrite: result.serviceCpuSeconds === undefined ? null : round((result.serviceCpuSeconds * 1000) / params.tasks, 2),
      },
      info: { calls: calls.length, callsByKind: countKinds(calls), rateLimitErrors: result.rateLimitErrors },
    };
  },
};
