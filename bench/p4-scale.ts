// P4 scale: many bindings in one service process, idle: resident memory, the
// memory each binding adds, CPU time, and polling calls and bytes per binding
// per minute, first with polling alone, then with push channels (polling
// becomes a backstop, R17). The service runs as users run it: the compiled
// build started with `npm start`'s V8 flags, configured by its environment,
// on data the bench seeded before it started; the bench reads it from outside
// (/proc for memory and CPU, GET /metrics for the JS heap and the pacers, the
// database or /metrics for actor states). Its inspector (loopback) lets the
// bench collect garbage before reading the heap, so that the heap read is the
// live data, and profile an idle window. The fake Google server stays in the
// bench process and counts the polls and the bytes on its connections.
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE } from "../config.js";
import { type FakeGoogle, startFakeGoogle } from "../testkit/fake-google/server.js";
import { freePort } from "../testkit/ports.js";
import { total } from "../testkit/prometheus-text.js";
import { InspectorSession } from "./inspector-session.js";
import { cpuSecondsOf, memoryOf, resetPeakOf } from "./proc-stats.js";
import type { Scenario } from "./scenario.js";
import { type ServiceData, seedServiceData } from "./service-data.js";
import { buildService, type ServiceProcess, startServiceProcess } from "./service-process.js";
import { startEnv, startFlags } from "./start-command.js";
import { ADMIN_TOKEN, callKind, databaseKind, progress, round, SECRET_KEY, sleep } from "./world.js";

interface P4Params {
  bindings: number;
  /** Calendars (bindings) per Google account: 10 is the project's usual shape, 1 is each operator on an account of their own. */
  perAccount: number;
  /** The Google project's pace (GOOGLE_PROJECT_QUOTA_PER_MINUTE), its default unless set. */
  projectQuotaPerMinute: number;
  idleSeconds: number;
  /**
   * How long polling runs after start-up before the idle window: the polls
   * that waited behind start-up's calls drain first, so the window measures
   * polling as it goes on, not start-up's backlog.
   */
  settleSeconds: number;
  /** The window with push channels open: long enough to see the backstop polls (BACKSTOP_FACTOR × the interval) at small scale. 0: no push phase (a profile of polling alone). */
  pushIdleSeconds: number;
  pollIntervalSeconds: number;
  /** How long a start-up may take before the bench measures what there is (the report says start-up did not finish). */
  startupTimeoutSeconds: number;
}

const MiB = 2 ** 20;
/** Long enough that the service does not warn about it. */
const SERVICE_ADMIN_TOKEN = `${ADMIN_TOKEN}-0123456789abcdef`;

/** Memory as the machine and V8 see it. */
interface MemorySample {
  rssMiB: number;
  /** The service's own peak so far: the bench's probes (forced collections, heap snapshots) left out. */
  peakRssMiB: number;
  /** The peak with those probes in (a forced full collection compacts the whole heap at once). */
  probePeakRssMiB: number;
  heapUsedMiB: number;
  /** The heap V8 has committed (used or not). */
  heapTotalMiB: number;
  externalMiB: number;
}

/** A running service and the bench's inspector session with it. */
interface Inspected {
  service: ServiceProcess;
  inspector: InspectorSession;
  /** Resident peaks so far (MiB): the service's own, and with the bench's probes. */
  peaks: { own: number; probes: number; probesLeftOut: boolean };
}

/** Starts the service with its inspector on a loopback port, and connects to it once it listens. */
async function startInspected(env: Record<string, string>, port: number, nodeFlags: string[], name: string): Promise<Inspected> {
  const inspectPort = await freePort();
  const service = startServiceProcess({ env, port, nodeFlags: [...nodeFlags, `--inspect=127.0.0.1:${inspectPort}`], name });
  await service.listening(120_000);
  return { service, inspector: await InspectorSession.connect(inspectPort), peaks: { own: 0, probes: 0, probesLeftOut: true } };
}

/**
 * Runs one of the bench's probes: the peak before it is the service's own,
 * the peak after it counts the probe too, and the kernel then starts the peak
 * again from what the process holds, so the probe stays out of the next one.
 */
async function probe<T>({ service, peaks }: Inspected, run: () => Promise<T>): Promise<T> {
  const before = memoryOf(service.pid);
  if (!before) throw new Error("the service process is gone");
  peaks.own = Math.max(peaks.own, before.peakRssMiB);
  const result = await run();
  peaks.probes = Math.max(peaks.probes, memoryOf(service.pid)?.peakRssMiB ?? 0);
  peaks.probesLeftOut &&= resetPeakOf(service.pid);
  return result;
}

/** Memory after a full garbage collection (the live heap, as GET /metrics then reports it), resident memory from /proc. */
async function memorySample(running: Inspected): Promise<MemorySample> {
  const { service, inspector, peaks } = running;
  const metrics = await probe(running, async () => {
    await inspector.post("HeapProfiler.collectGarbage");
    return service.metrics();
  });
  const memory = memoryOf(service.pid);
  if (!memory) throw new Error("the service process is gone");
  return {
    rssMiB: memory.rssMiB,
    peakRssMiB: peaks.probesLeftOut ? peaks.own : peaks.probes,
    probePeakRssMiB: peaks.probes,
    heapUsedMiB: total(metrics, "nodejs_heap_size_used_bytes") / MiB,
    heapTotalMiB: total(metrics, "nodejs_heap_size_total_bytes") / MiB,
    externalMiB: total(metrics, "nodejs_external_memory_bytes") / MiB,
  };
}

interface Settled {
  reached: boolean;
  seconds: number;
  /** Seconds each binding waited to be counted, summed over the bindings (sampled at each probe). */
  bindingSeconds: number;
}

/**
 * Waits until `target` bindings are incremental (and, with `channels`, that
 * many have a push channel open), asking the data every probe interval; gives
 * up at `deadline` (performance.now()) with what it reached, so that a slow
 * start-up still ends in a report.
 */
async function settle(
  label: string,
  data: ServiceData,
  service: ServiceProcess,
  target: number,
  options: { deadline: number; channels?: boolean },
): Promise<Settled> {
  const started = performance.now();
  let last = started;
  let pending = target;
  let bindingSeconds = 0;
  let told = started;
  for (;;) {
    const counts = await data.counts(service);
    const now = performance.now();
    bindingSeconds += (pending * (now - last)) / 1000;
    last = now;
    pending = Math.max(0, target - counts.incremental);
    const done = pending === 0 && (!options.channels || counts.channels >= target);
    if (done || now > options.deadline) {
      if (!done) progress(`p4: gave up waiting for ${label}: ${counts.incremental}/${target} incremental, ${counts.channels} channels`);
      return { reached: done, seconds: (now - started) / 1000, bindingSeconds };
    }
    if (now - told > 10_000) {
      told = now;
      progress(`p4: ${label}: ${counts.incremental}/${target} incremental, ${counts.channels} channels open`);
    }
    if (service.child.exitCode !== null || service.child.signalCode !== null) throw new Error(`the service exited during ${label}`);
    await sleep(data.probeEveryMs);
  }
}

interface IdleWindow {
  start: number;
  end: number;
  cpuPercent: number;
  bytes: number;
  /** HTTP requests the fake served in the window (a batch of polls is one). */
  httpRequests: number;
  /** Mean of taskcal_poll_interval_seconds over the window, as the service measured it. */
  servicePollIntervalSeconds: number | null;
}

/**
 * CPU the service used while idle for `seconds` (% of one core), and the
 * fake's traffic meanwhile; the scrapes stay outside the window. With
 * BENCH_P4_CPU_PROFILE=<dir>, the window (and only it) is profiled into
 * `<dir>/p4-<name>.cpuprofile`; with BENCH_P4_ALLOCATION_PROFILE=<dir>, what
 * it allocated (garbage included) into `<dir>/p4-<name>.heapprofile`.
 */
async function idleWindow({ service, inspector }: Inspected, google: FakeGoogle, name: string, seconds: number): Promise<IdleWindow> {
  const profileDir = process.env.BENCH_P4_CPU_PROFILE;
  const allocationDir = process.env.BENCH_P4_ALLOCATION_PROFILE;
  const before = await service.metrics();
  if (profileDir) {
    await inspector.post("Profiler.enable");
    await inspector.post("Profiler.start");
  }
  // Garbage too: what the collector spends its time on is what was allocated and died young.
  if (allocationDir) await startAllocationSampling(inspector, { diedYoung: true });
  const cpuBefore = cpuSecondsOf(service.pid);
  const bytesBefore = google.trafficBytes();
  const requestsBefore = google.httpRequests;
  const start = Date.now();
  await sleep(seconds * 1000);
  const cpuAfter = cpuSecondsOf(service.pid);
  const end = Date.now();
  const bytes = google.trafficBytes() - bytesBefore;
  // A batch of polls is one request.
  const httpRequests = google.httpRequests - requestsBefore;
  if (profileDir) {
    const { profile } = await inspector.post<{ profile: unknown }>("Profiler.stop");
    writeFileSync(join(profileDir, `p4-${name}.cpuprofile`), JSON.stringify(profile));
  }
  if (allocationDir) await stopAllocationSampling(inspector, allocationDir, `p4-${name}`);
  const after = await service.metrics();
  const pulls = total(after, "taskcal_poll_interval_seconds_count") - total(before, "taskcal_poll_interval_seconds_count");
  const pulled = total(after, "taskcal_poll_interval_seconds_sum") - total(before, "taskcal_poll_interval_seconds_sum");
  return {
    start,
    end,
    cpuPercent: ((cpuAfter - cpuBefore) * 100 * 1000) / (end - start),
    bytes,
    httpRequests,
    servicePollIntervalSeconds: pulls > 0 ? pulled / pulls : null,
  };
}

/**
 * V8's sampling of allocations, garbage included: with `diedYoung`, also
 * what a young-generation collection took; without, only what outlived one
 * (kept, or collected by a full collection), which is what fills the old
 * generation between full collections (BENCH_P4_PROMOTED_PROFILE).
 */
async function startAllocationSampling(inspector: InspectorSession, { diedYoung }: { diedYoung: boolean }): Promise<void> {
  await inspector.post("HeapProfiler.enable");
  await inspector.post("HeapProfiler.startSampling", {
    samplingInterval: 16_384,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: diedYoung,
  });
}

/** Ends the sampling into `<dir>/<name>.heapprofile`. */
async function stopAllocationSampling(inspector: InspectorSession, dir: string, name: string): Promise<void> {
  const { profile } = await inspector.post<{ profile: unknown }>("HeapProfiler.stopSampling");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(profile));
}

/** A heap snapshot of the running service (`--heapsnapshot-signal`), renamed `<dir>/<name>.heapsnapshot`. */
async function heapSnapshot(service: ServiceProcess, dir: string, name: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  service.child.kill("SIGUSR2");
  let file: string | undefined;
  while (!(file = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f)))) await sleep(200);
  // The snapshot is written on the service's main thread: once it answers again, the file is whole.
  await service.listening(600_000);
  renameSync(join(dir, file), join(dir, `${name}.heapsnapshot`));
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
          settleSeconds: 2,
          pushIdleSeconds: 22,
          pollIntervalSeconds: 2,
          startupTimeoutSeconds: 300,
        }
      : {
          bindings: 10_000,
          perAccount: 10,
          projectQuotaPerMinute: DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE,
          idleSeconds: 60,
          settleSeconds: 60,
          pushIdleSeconds: 120,
          pollIntervalSeconds: 60,
          startupTimeoutSeconds: 1800,
        },
  runs: (quick) => (quick ? 1 : 2),
  metrics: [
    { key: "rssMiB", label: "resident memory (service process, after start-up)", unit: "MiB", digits: 0 },
    { key: "peakRssMiB", label: "resident memory at its peak (start-up and polling; the bench's probes left out)", unit: "MiB", digits: 0 },
    { key: "probePeakRssMiB", label: "resident memory at its peak with the bench's forced full collections", unit: "MiB", digits: 0 },
    { key: "heapUsedMiB", label: "JS heap used", unit: "MiB", digits: 0 },
    { key: "heapTotalMiB", label: "JS heap committed", unit: "MiB", digits: 0 },
    { key: "heapKiBPerBinding", label: "JS heap each binding adds", unit: "KiB", digits: 1 },
    { key: "pollingRssMiB", label: "resident memory after the idle polling window (start-up's backlog drained)", unit: "MiB", digits: 0 },
    { key: "pollingHeapUsedMiB", label: "JS heap used after the idle polling window", unit: "MiB", digits: 0 },
    { key: "rssKiBPerBinding", label: "resident memory each binding adds", unit: "KiB", digits: 1 },
    { key: "cpuPercent", label: "CPU while idle, polling alone (% of one core)", unit: "%", digits: 1 },
    { key: "pollsPerBindingPerInterval", label: "polls per binding per poll interval, polling alone", goal: { op: "<=", value: 1 }, digits: 2 },
    { key: "achievedPollIntervalSeconds", label: "poll interval achieved, polling alone (the project's pace stretches it)", unit: "s", digits: 1 },
    { key: "bytesPerPoll", label: "bytes on the wire per poll (request and answer)", unit: "B", digits: 0 },
    { key: "bytesPerBindingPerMinute", label: "polling bytes per binding per minute, polling alone", unit: "B", digits: 0 },
    { key: "pushPollsPerBindingPerMinute", label: "polls per binding per minute, push channels open", digits: 3 },
    { key: "pushBytesPerBindingPerMinute", label: "polling bytes per binding per minute, push channels open", unit: "B", digits: 0 },
    { key: "pushCpuPercent", label: "CPU while idle, push channels open (% of one core)", unit: "%", digits: 1 },
    { key: "startupSeconds", label: "start-up until every binding is incremental (process start included)", unit: "s", digits: 1 },
    { key: "startupPacerShare", label: "share of each binding's start-up spent waiting on the pacers", digits: 2 },
    { key: "startupCallsPerMinute", label: "Google calls per minute during start-up", digits: 0 },
  ],
  async run(params) {
    buildService();
    const google = await startFakeGoogle();
    const work = mkdtempSync(join(tmpdir(), "taskcal-p4-"));
    const snapshotDir = process.env.BENCH_P4_HEAP_SNAPSHOT;
    let data: ServiceData | undefined;
    let running: Inspected | undefined;
    try {
      const accounts = Math.ceil(params.bindings / params.perAccount);
      const bindings = accounts * params.perAccount;
      const tokens = Array.from({ length: accounts }, (_, i) => google.addAccount(`scale${i}@bench.example`));
      // Half the operators first: the memory the other half adds is what a binding costs, start-up costs aside.
      const firstAccounts = Math.ceil(accounts / 2);
      const dataDir = join(work, "data");
      progress(`p4: seeding ${bindings} bindings on ${accounts} accounts (${databaseKind()})`);
      data = await seedServiceData({
        clientId: google.clientId,
        clientSecret: google.clientSecret,
        tokens,
        typesPerOperator: params.perAccount,
        pollIntervalSeconds: params.pollIntervalSeconds,
        googleRequestsPerMinute: 500,
        enabledOperators: firstAccounts,
        dataDir,
        adminToken: SERVICE_ADMIN_TOKEN,
      });
      const later = [...new Set(data.seeded.filter((b) => b.operator >= firstAccounts).map((b) => b.operatorId))];
      const env = {
        ...data.env,
        DATA_DIR: dataDir,
        GOOGLE_API_ROOT_URL: google.rootUrl,
        GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
        GOOGLE_PROJECT_QUOTA_PER_MINUTE: String(params.projectQuotaPerMinute),
        ADMIN_TOKEN: SERVICE_ADMIN_TOKEN,
        SECRET_KEY,
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn",
      };
      const extraFlags = process.env.BENCH_CHILD_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
      const nodeFlags = [...extraFlags, ...(snapshotDir ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${snapshotDir}`] : [])];
      if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
      const deadline = performance.now() + params.startupTimeoutSeconds * 1000;

      // Polling alone: no PUBLIC_URL, so no push channels.
      const spawnedAt = Date.now();
      running = await startInspected(env, await freePort(), nodeFlags, "p4 service");
      let { service } = running;
      const readySeconds = (Date.now() - spawnedAt) / 1000;
      const first = await settle("the first half", data, service, firstAccounts * params.perAccount, { deadline });
      const firstEnd = Date.now();
      const afterFirst = await service.metrics();
      const firstSeconds = (firstEnd - spawnedAt) / 1000;
      await sleep(1_000);
      const half = await memorySample(running);
      const beforeSecond = await service.metrics();
      const promotedDir = process.env.BENCH_P4_PROMOTED_PROFILE;
      // What the second half of start-up allocated that outlived a young-generation collection.
      if (promotedDir) await startAllocationSampling(running.inspector, { diedYoung: false });
      const enabledAt = Date.now();
      await data.enableOperators(service, later);
      const second = await settle("every binding", data, service, bindings, { deadline });
      if (promotedDir) await stopAllocationSampling(running.inspector, promotedDir, `p4-${bindings}x${params.perAccount}-second-half`);
      const secondEnd = Date.now();
      // The pause between the halves (the memory measurement) is the bench's, not start-up's.
      const startupSeconds = firstSeconds + (secondEnd - enabledAt) / 1000;
      const startupComplete = first.reached && second.reached;
      const afterStartup = await service.metrics();
      progress(`p4: ${bindings} bindings ${startupComplete ? "incremental" : "not all incremental"} after ${startupSeconds.toFixed(1)} s`);
      await sleep(1_000);
      const full = await memorySample(running);
      if (snapshotDir) await probe(running, () => heapSnapshot(service, snapshotDir, `p4-${bindings}x${params.perAccount}-startup`));
      await sleep(params.settleSeconds * 1000);
      const polling = await idleWindow(running, google, "polling", params.idleSeconds);
      const afterPolling = await memorySample(running);
      if (snapshotDir) await probe(running, () => heapSnapshot(service, snapshotDir, `p4-${bindings}x${params.perAccount}`));
      const { probesLeftOut } = running.peaks;
      await stop(running);

      // Push channels: the same bindings, the service restarted with an address the fake's channels notify.
      // A failure here (the service dying, say) is reported beside the polling figures, which stand.
      let push: IdleWindow | null = null;
      let afterPush: ReturnType<typeof memoryOf> | null = null;
      let opened = { reached: false };
      let pushError: string | null = null;
      try {
        if (params.pushIdleSeconds <= 0) throw new Error("skipped (p4.pushIdleSeconds=0)");
        const port = await freePort();
        running = await startInspected({ ...env, PUBLIC_URL: `http://127.0.0.1:${port}/` }, port, nodeFlags, "p4 service (push)");
        ({ service } = running);
        opened = await settle("push channels", data, service, bindings, {
          deadline: performance.now() + params.startupTimeoutSeconds * 1000,
          channels: true,
        });
        // Each channel's first notice and the pull after opening it settle before the window.
        await sleep(Math.max(3_000, params.pollIntervalSeconds * 1000 * 1.5));
        progress("p4: push channels open");
        push = await idleWindow(running, google, "push", params.pushIdleSeconds);
        afterPush = memoryOf(service.pid);
        await stop(running);
      } catch (error) {
        pushError = error instanceof Error ? error.message : String(error);
        progress(`p4: push channels: ${pushError}`);
        await stop(running).catch(() => {});
      }
      running = undefined;

      const perBindingPerMinute = (window: IdleWindow) => {
        const minutes = (window.end - window.start) / 60_000;
        const calls = google.callLog.filter((c) => c.at >= window.start && c.at <= window.end);
        const polls = calls.filter((c) => callKind(c) === "events.list").length;
        return {
          calls: calls.length,
          polls: polls / bindings / minutes,
          bytes: window.bytes / bindings / minutes,
          bytesPerPoll: polls ? window.bytes / polls : null,
          httpRequestsPerPoll: polls ? window.httpRequests / polls : null,
        };
      };
      const pollingRates = perBindingPerMinute(polling);
      const pushRates = push && perBindingPerMinute(push);
      const startupCalls = google.callLog.filter((c) => (c.at >= spawnedAt && c.at <= firstEnd) || (c.at >= enabledAt && c.at <= secondEnd)).length;
      // Both pacers count: an account's, and the project's all accounts share.
      // Waits during the two halves' start-ups, not the pause between them (polls' waits during start-up are in).
      const startupWait = (labels: Record<string, string> = {}) =>
        [afterFirst, afterStartup].reduce((sum, m) => sum + total(m, "taskcal_pacer_wait_seconds_sum", labels), 0) -
        total(beforeSecond, "taskcal_pacer_wait_seconds_sum", labels);
      const pacerWait = startupWait();
      const projectPacerWait = startupWait({ credential: "project" });
      const startupBindingSeconds = first.bindingSeconds + second.bindingSeconds;
      const added = bindings - firstAccounts * params.perAccount;
      const activeResources = Object.fromEntries(
        afterStartup.samples.filter((s) => s.name === "nodejs_active_resources").map((s) => [s.labels.type, s.value]),
      );
      return {
        metrics: {
          rssMiB: round(full.rssMiB, 0),
          peakRssMiB: round(afterPolling.peakRssMiB, 0),
          probePeakRssMiB: round(afterPolling.probePeakRssMiB, 0),
          heapUsedMiB: round(full.heapUsedMiB, 0),
          heapTotalMiB: round(full.heapTotalMiB, 0),
          heapKiBPerBinding: round(((full.heapUsedMiB - half.heapUsedMiB) * 1024) / added, 1),
          pollingRssMiB: round(afterPolling.rssMiB, 0),
          pollingHeapUsedMiB: round(afterPolling.heapUsedMiB, 0),
          rssKiBPerBinding: round(((full.rssMiB - half.rssMiB) * 1024) / added, 1),
          cpuPercent: round(polling.cpuPercent, 1),
          pollsPerBindingPerInterval: round((pollingRates.polls * params.pollIntervalSeconds) / 60, 2),
          achievedPollIntervalSeconds: round(60 / pollingRates.polls, 1),
          bytesPerPoll: round(pollingRates.bytesPerPoll, 0),
          bytesPerBindingPerMinute: round(pollingRates.bytes, 0),
          pushPollsPerBindingPerMinute: round(pushRates?.polls ?? null, 3),
          pushBytesPerBindingPerMinute: round(pushRates?.bytes ?? null, 0),
          pushCpuPercent: round(push?.cpuPercent ?? null, 1),
          startupSeconds: startupComplete ? round(startupSeconds, 1) : null,
          startupPacerShare: round(pacerWait / Math.max(1e-9, startupBindingSeconds), 2),
          startupCallsPerMinute: round((startupCalls * 60) / startupSeconds, 0),
        },
        info: {
          bindings,
          accounts,
          perAccount: params.perAccount,
          database: databaseKind(),
          nodeFlags: [...startFlags(), ...extraFlags].join(" "),
          nodeEnv: startEnv(),
          bindingsAddedForMarginalMemory: added,
          startupComplete,
          // False: the kernel would not start the peak again, so the peak holds the bench's probes too.
          peakLeavesProbesOut: probesLeftOut,
          startupSecondsReached: round(startupSeconds, 1),
          secondsUntilListening: round(readySeconds, 1),
          half: roundAll(half),
          full: roundAll(full),
          afterPolling: roundAll(afterPolling),
          afterPushRssMiB: round(afterPush?.rssMiB ?? null, 0),
          afterPushPeakRssMiB: round(afterPush?.peakRssMiB ?? null, 0),
          activeResources,
          callsInPollingWindow: pollingRates.calls,
          httpRequestsPerPoll: round(pollingRates.httpRequestsPerPoll, 2),
          callsInPushWindow: pushRates?.calls ?? null,
          pushPhaseError: pushError,
          pollsPerBindingPerMinute: round(pollingRates.polls, 2),
          servicePollIntervalSeconds: round(polling.servicePollIntervalSeconds, 1),
          channels: google.activeChannels().length,
          channelsOpenedInTime: opened.reached,
          rateLimitErrors: google.rateLimitErrors,
          startupPacerWaitSeconds: round(pacerWait, 0),
          startupProjectPacerWaitSeconds: round(projectPacerWait, 0),
          startupBindingSeconds: round(startupBindingSeconds, 0),
        },
      };
    } finally {
      if (running) await stop(running);
      await data?.release();
      await google.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
};

async function stop({ service, inspector }: Inspected): Promise<void> {
  inspector.close();
  await service.stop();
}

function roundAll(sample: MemorySample): Record<string, number | null> {
  return Object.fromEntries(Object.entries(sample).map(([key, value]) => [key, round(value, 0)]));
}
