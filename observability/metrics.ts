// The service's Prometheus metrics (GET /metrics): one registry per service
// (never prom-client's global one, so a test can run several), fed by the
// engine's observer, the Google pacers' hook, the database driver's timing and
// the webhook route; actor states and lags are read at each scrape. Each
// process reports what it runs itself, so replicas sum. Labels are bounded by
// states, providers, credentials and (for lag) bindings: never a task, an
// e-mail address or a name.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { PacingObserver } from "../adapters/pacing-observer.js";
import { actorStates } from "../db/enums.js";
import type { BindingGauge } from "../db/queries/lag.js";
import type { QueryObserver } from "../db/query-timing.js";
import type { EngineObserver } from "../engine/engine-observer.js";

/** prom-client's gauges named like counters (promtool refuses them); the same numbers are in nodejs_active_{handles,requests,resources} by type. */
const MISNAMED_DEFAULTS = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/**
 * The wait histogram's credential: operators' own accounts together. One
 * histogram per account would grow with the accounts (about 8 KiB of heap per
 * account for its two priorities' buckets, and 28 series in each scrape: 80 MiB
 * at 10,000 accounts); the queue depth, one number per account, keeps them apart.
 */
const credentialKind = (credential: string) => (credential.startsWith("operator:") ? "operator" : credential);

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_SLOW = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const SECONDS_DB = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export interface ScrapeSources {
  /** The bindings this process runs, as the database shows them now. */
  bindings(): Promise<BindingGauge[]>;
  /** Provider ids, so that every state shows for each (0 included) and an alert on `error > 0` has a series to watch. */
  providers(): string[];
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private sources: ScrapeSources | null = null;
  /** Calls waiting on each pacer, by provider and credential. */
  private readonly queues = new Map<string, { provider: string; credential: string; queued: (() => number)[] }>();
  /** One read of the bindings per scrape, shared by the gauges that need it. */
  private snapshot: { at: number; rows: Promise<BindingGauge[]> } | null = null;

  private readonly passes: Counter;
  private readonly passSeconds: Histogram;
  private readonly calls: Counter;
  private readonly callSeconds: Histogram;
  private readonly throttled: Counter;
  private readonly pacerWait: Histogram;
  private readonly pollInterval: Histogram;
  private readonly notices: Counter;
  private readonly channelOpens: Counter;
  private readonly channelRenewals: Counter;
  private readonly journalWrites: Counter;
  private readonly itemFailures: Counter;
  private readonly itemFailuresResolved: Counter;
  private readonly actorErrors: Counter;
  private readonly querySeconds: Histogram;
  private readonly alertDeliveries: Counter;
  private readonly purged: Counter;
  private readonly retentionRun: Gauge;
  private readonly readErrors: Counter;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);

    const scraped = (name: string, help: string, labelNames: string[], fill: (gauge: Gauge, rows: BindingGauge[]) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect: async () => {
          const gauge = this.registry.getSingleMetric(name) as Gauge;
          gauge.reset();
          fill(gauge, await this.bindings());
        },
      });
    scraped("taskcal_actors", "Binding actors this process runs, by state and provider", ["state", "provider"], (gauge, rows) => {
      for (const provider of this.sources?.providers() ?? []) for (const state of actorStates) gauge.set({ state, provider }, 0);
      for (const row of rows) gauge.inc({ state: row.state, provider: row.provider });
    });
    scraped(
      "taskcal_binding_push_lag_seconds",
      "Age of the oldest CRM change not yet in the binding's calendar (0: none waits; items parked as failures are not counted)",
      ["binding", "provider"],
      (gauge, rows) => {
        for (const row of rows) gauge.set({ binding: row.bindingId, provider: row.provider }, row.pushLag);
      },
    );
    scraped(
      "taskcal_binding_pull_lag_seconds",
      "Time since the binding's last successful pull of calendar changes (absent before the first)",
      ["binding", "provider"],
      (gauge, rows) => {
        for (const row of rows) if (row.pullLag !== null) gauge.set({ binding: row.bindingId, provider: row.provider }, row.pullLag);
      },
    );
    scraped("taskcal_push_channels_open", "Push channels open (not expired) for the bindings this process runs", ["provider"], (gauge, rows) => {
      for (const row of rows) gauge.inc({ provider: row.provider }, row.channelOpen ? 1 : 0);
    });
    scraped("taskcal_item_failures_open", "Items (tasks, events) parked as failures and not resolved", ["provider"], (gauge, rows) => {
      for (const row of rows) gauge.inc({ provider: row.provider }, row.openFailures);
    });
    new Gauge({
      name: "taskcal_pacer_queue_depth",
      help: "Calls waiting for a slot in an account's pacer, by credential (company or operator:<id>)",
      labelNames: ["provider", "credential"],
      registers,
      collect: () => {
        const gauge = this.registry.getSingleMetric("taskcal_pacer_queue_depth") as Gauge;
        gauge.reset();
        for (const { provider, credential, queued } of this.queues.values()) {
          gauge.set(
            { provider, credential },
            queued.reduce((sum, count) => sum + count(), 0),
          );
        }
      },
    });

    this.passes = new Counter({
      name: "taskcal_sync_passes_total",
      help: "Sync passes by provider, mode (full, changes, push) and outcome (ok, failed, cancelled)",
      labelNames: ["provider", "mode", "outcome"],
      registers,
    });
    this.passSeconds = new Histogram({
      name: "taskcal_sync_pass_duration_seconds",
      help: "Duration of sync passes",
      labelNames: ["provider", "mode"],
      buckets: SECONDS_SLOW,
      registers,
    });
    this.calls = new Counter({
      name: "taskcal_provider_calls_total",
      help: "Calendar provider calls by provider, method and outcome (ok, rate-limited, transient, permanent)",
      labelNames: ["provider", "method", "outcome"],
      registers,
    });
    this.callSeconds = new Histogram({
      name: "taskcal_provider_call_duration_seconds",
      help: "Duration of calendar provider calls as the engine waits for them (pacing and the provider's own retries included)",
      labelNames: ["provider", "method"],
      buckets: SECONDS_FAST,
      registers,
    });
    this.throttled = new Counter({
      name: "taskcal_provider_throttled_total",
      help: "Answers telling taskcal to slow down (HTTP 429, rate-limit 403), retried or not, by credential",
      labelNames: ["provider", "credential"],
      registers,
    });
    this.pacerWait = new Histogram({
      name: "taskcal_pacer_wait_seconds",
      help: "Time calls waited for a slot in their account's pacer, by credential (`company`, `operator` for every operator's own account together, `project`) and priority (write, read); credential `project` is the Google project's pacer all accounts share, where `read` is a poll and `write` any other call",
      labelNames: ["provider", "credential", "priority"],
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    });
    this.pollInterval = new Histogram({
      name: "taskcal_poll_interval_seconds",
      help: "Time between a binding's consecutive pulling passes (polls, or pulls a notice asked for): with polling alone the poll interval achieved, longer than set when the Google project's pace stretches polls",
      labelNames: ["provider"],
      buckets: [1, 5, 15, 30, 45, 60, 75, 90, 120, 180, 300, 600, 1800, 3600, 7200],
      registers,
    });
    this.notices = new Counter({
      name: "taskcal_push_notices_total",
      help: "Push notices received, by outcome (accepted, rejected)",
      labelNames: ["outcome"],
      registers,
    });
    this.channelOpens = new Counter({
      name: "taskcal_push_channel_opens_total",
      help: "Push channels opened for a binding that had none",
      labelNames: ["provider"],
      registers,
    });
    this.channelRenewals = new Counter({
      name: "taskcal_push_channel_renewals_total",
      help: "Push channels opened to replace one nearing its expiry",
      labelNames: ["provider"],
      registers,
    });
    this.journalWrites = new Counter({
      name: "taskcal_journal_writes_total",
      help: "Journal entries written, by direction and outcome",
      labelNames: ["direction", "outcome"],
      registers,
    });
    this.itemFailures = new Counter({
      name: "taskcal_item_failures_total",
      help: "Items (tasks, events) that failed on their own and were parked (R20), by provider, direction and code",
      labelNames: ["provider", "direction", "code"],
      registers,
    });
    this.itemFailuresResolved = new Counter({
      name: "taskcal_item_failures_resolved_total",
      help: "Parked items that synced after all",
      labelNames: ["provider"],
      registers,
    });
    this.actorErrors = new Counter({
      name: "taskcal_actor_errors_total",
      help: "Actors entering the error state, by the error's code",
      labelNames: ["code"],
      registers,
    });
    this.querySeconds = new Histogram({
      name: "taskcal_db_query_duration_seconds",
      help: "Database statements as the service waits for them (a pool connection included), by outcome (ok, failed)",
      labelNames: ["outcome"],
      buckets: SECONDS_DB,
      registers,
    });
    this.alertDeliveries = new Counter({
      name: "taskcal_alert_deliveries_total",
      help: "POSTs to ALERT_WEBHOOK_URL by outcome (delivered, failed: retried, abandoned: given up after the last retry)",
      labelNames: ["outcome"],
      registers,
    });
    this.purged = new Counter({
      name: "taskcal_retention_purged_total",
      help: "Rows the retention job deleted, by what (journal, tombstones, failures)",
      labelNames: ["what"],
      registers,
    });
    this.readErrors = new Counter({
      name: "taskcal_metrics_read_errors_total",
      help: "Scrapes whose read of actor states and lags failed (the database did not answer): those gauges were left out",
      registers,
    });
    this.retentionRun = new Gauge({
      name: "taskcal_retention_last_run_timestamp_seconds",
      help: "When the retention job last finished (Unix time)",
      registers,
    });
  }

  /** Where scrapes read actor states and lags; set once the engine runs. */
  watch(sources: ScrapeSources): void {
    this.sources = sources;
  }

  private bindings(): Promise<BindingGauge[]> {
    if (!this.sources) return Promise.resolve([]);
    const now = performance.now();
    // The gauges of one scrape share one read; the next scrape reads again.
    if (!this.snapshot || now - this.snapshot.at > 1_000) {
      // A database that does not answer must not take the process's other metrics down with it.
      const rows = this.sources.bindings().catch(() => {
        this.readErrors.inc();
        return [];
      });
      this.snapshot = { at: now, rows };
    }
    return this.snapshot.rows;
  }

  readonly engine: EngineObserver = {
    actorChanged: ({ to, from, error }) => {
      if (to === "error" && from !== "error") this.actorErrors.inc({ code: error?.code ?? "unknown" });
    },
    passEnded: (provider, mode, outcome, seconds) => {
      this.passes.inc({ provider, mode, outcome });
      this.passSeconds.observe({ provider, mode }, seconds);
    },
    providerCall: (provider, method, outcome, seconds) => {
      this.calls.inc({ provider, method, outcome });
      this.callSeconds.observe({ provider, method }, seconds);
    },
    committed: (provider, effects) => {
      for (const entry of effects.journal ?? []) this.journalWrites.inc({ direction: entry.direction, outcome: entry.outcome });
      const failure = effects.failure;
      if (failure && "record" in failure) this.itemFailures.inc({ provider, direction: failure.record.direction, code: failure.record.code });
      else if (failure) this.itemFailuresResolved.inc({ provider });
    },
    channelOpened: (provider, renewal) => (renewal ? this.channelRenewals : this.channelOpens).inc({ provider }),
    pulled: (provider, seconds) => this.pollInterval.observe({ provider }, seconds),
  };

  readonly pacing: PacingObserver = {
    pacerCreated: (provider, credential, queued) => {
      const key = `${provider}\0${credential}`;
      // Exactly as long as it is (a pushed-to array grows 17 slots at once): one entry for each of 10,000 accounts of their own.
      const entry = this.queues.get(key);
      if (entry) entry.queued = [...entry.queued, queued];
      else this.queues.set(key, { provider, credential, queued: [queued] });
    },
    waited: (provider, credential, priority, seconds) =>
      this.pacerWait.observe({ provider, credential: credentialKind(credential), priority }, seconds),
    throttled: (provider, credential) => this.throttled.inc({ provider, credential }),
  };

  readonly query: QueryObserver = (seconds, failed) => this.querySeconds.observe({ outcome: failed ? "failed" : "ok" }, seconds);

  pushNotice(accepted: boolean): void {
    this.notices.inc({ outcome: accepted ? "accepted" : "rejected" });
  }

  alertDelivery(outcome: "delivered" | "failed" | "abandoned"): void {
    this.alertDeliveries.inc({ outcome });
  }

  retentionDone(purged: Record<string, number>, at: Date): void {
    for (const [what, count] of Object.entries(purged)) this.purged.inc({ what }, count);
    this.retentionRun.set(at.getTime() / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
