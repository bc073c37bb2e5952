// Runs one binding actor per syncing binding this replica holds the lease of,
// from the configuration in the database: spawns and stops actors as bindings
// and leases come and go, tells running ones their configuration changed, and
// records each actor's state. Commands and push notices for a binding another
// replica runs reach it through NOTIFY.
import { createHash, randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { type Actor, type AnyActorRef, createActor, fromCallback, type InspectionEvent } from "xstate";
import type { PushNotice } from "../adapters/provider.js";
import type { ProviderRegistry } from "../adapters/registry.js";
import type { Database, Db } from "../db/database.js";
import type { ActorStateName } from "../db/enums.js";
import { isLeaseLost } from "../db/errors.js";
import { actorView } from "../db/queries/actors.js";
import { bumpCounter, saveBindingState, statesForStart } from "../db/queries/binding-state.js";
import { type BindingConfig, syncingBindings } from "../db/queries/bindings.js";
import { leaseOwnerOf, notify } from "../db/queries/leases.js";
import { providerSettingsOf } from "../db/queries/providers.js";
import { recordStateChange } from "../db/queries/state-changes.js";
import type { SecretBox } from "../db/secret-box.js";
import type { Action } from "./actions.js";
import type { ActorError, BindingEvent } from "./binding-context.js";
import { type BindingMachine, bindingMachineWith, stopBindingActor } from "./binding-machine.js";
import { BindingSync } from "./binding-sync.js";
import { CredentialHealth } from "./credential-health.js";
import { credentialOf, openCompany } from "./credentials.js";
import type { ActorCommand, EngineControl } from "./engine-control.js";
import type { EngineObserver } from "./engine-observer.js";
import { lazyChild } from "./lazy-logger.js";
import { Leases } from "./leases.js";
import { Limiter } from "./limiter.js";
import { Notices } from "./notices.js";
import type { PollReport } from "./routine-polls.js";

export interface SupervisorOptions {
  database: Database;
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
  /** Tests shorten these. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Debounce for configuration notices. */
  reconcileDelayMs?: number;
  /** The service's public address (`https://…/`): push channels notify `<it>webhooks/<provider>`. */
  webhookBaseUrl?: string;
  /** Actors authorizing or importing at once (default 200); the rest wait their turn. */
  startConcurrency?: number;
  /** Told true when bindings queue for start slots (a mass start: the service's, a restart's), false once it is over. */
  startsCrowded?: (crowded: boolean) => void;
  /** Test seam, see ExecutorEnv. */
  beforeCommit?: (action: Action) => void;
  /** Told of state changes, passes, provider calls and commits (metrics, alerts). */
  observer?: EngineObserver;
  /** This replica's name as GET /api/actors shows it (default: the host name and process id). */
  replicaName?: string;
  /** How long a lease lasts unrenewed (default 30 s), and how often they are renewed (default 10 s). */
  leaseTtlSeconds?: number;
  leaseHeartbeatSeconds?: number;
}

/**
 * Actors a reconcile starts together; the next batch starts once the
 * database has recorded their first states. Started all at once, 10,000
 * actors queued two writes each (resident memory went from 177 to 292 MiB
 * in the first ten seconds of a restart). Started one at a time, each after
 * a read of its own (its paused flag), they took minutes behind the starting
 * passes' queries, the reconcile held every binding's configuration
 * meanwhile, and the push notices of the channels opened in that time
 * waited for it: 1,988 of them at the peak (heap snapshot, issue 18).
 */
const SPAWN_BATCH = 250;

/** Where a command or a push notice for a binding goes to the replica running its actor. */
const COMMANDS_CHANNEL = "taskcal_commands";
const PUSH_CHANNEL = "taskcal_push";

interface Running {
  actor: Actor<BindingMachine>;
  sync: BindingSync;
  config: string;
  /** The credential it signs in with (`company:<provider>`, `operator:<id>`): a refusal stops every actor on it. */
  credential: string;
  operatorId: string;
  eventTypeId: string;
  logger: Logger;
  /** The state and error last recorded for it (its snapshots change more often than these). */
  shown: { state: ActorStateName | null; error: ActorError | null };
  /** Serializes this actor's state writes. */
  writes: Promise<void>;
}

const COMMAND_EVENTS: Record<ActorCommand, Exclude<BindingEvent, { type: "CONFIG_CHANGED" | "CREDENTIAL_REFUSED" | PollReport["type"] }>["type"]> = {
  sync: "SYNC_NOW",
  restart: "RESTART",
  pause: "PAUSE",
  resume: "RESUME",
  resync: "RESYNC",
  "retry-failures": "RETRY_FAILURES",
};

/** The state an actor shows, from its machine's state value. */
export function topState(value: unknown): ActorStateName {
  const name = typeof value === "string" ? value : Object.keys(value as object)[0];
  return (name === "starting" ? "authorizing" : name) as ActorStateName;
}

/**
 * What a running actor depends on, whatever the schema holds: every column of
 * its binding, operator, type and the settings, and its provider's company
 * settings but for the fields the provider applies live (a pace), timestamps
 * aside. A change re-authorizes the actor.
 */
function configDigest({ binding, operator, eventType, settings: s, company }: BindingConfig, providers: ProviderRegistry): string {
  const { updatedAt: _b, createdAt: _bc, ...b } = binding;
  const { updatedAt: _o, createdAt: _oc, ...o } = operator;
  const { updatedAt: _t, createdAt: _tc, ...t } = eventType;
  const { updatedAt: _s, ...rest } = s;
  const live = new Set(providers.get(operator.provider)?.definition.company?.appliedLive ?? []);
  const companyValues = Object.fromEntries(Object.entries(company.values).filter(([name]) => !live.has(name)));
  return createHash("sha256")
    .update(JSON.stringify([b, o, t, rest, companyValues, company.secrets]))
    .digest("base64url");
}

export class Supervisor implements EngineControl {
  private readonly running = new Map<string, Running>();
  private readonly startSlots: Limiter;
  private readonly notices: Notices;
  private readonly machine: BindingMachine;
  private readonly health: CredentialHealth;
  private readonly toldRefusals = new WeakSet<ActorError>();
  /**
   * The parent of every binding's actor, doing nothing itself. XState gives
   * each root actor a system of its own (a scheduler, registries, a dozen
   * closures: about 1.6 KiB, 16 MiB at 10,000 bindings); children share their
   * parent's. Shared, its scheduler scans every actor's timers when any actor
   * stops: that ruled it out while idle actors waited on XState's timers and
   * each poll's pass was an invoked actor; routine polls run beside the
   * machine now (routine-polls.ts), so only backoffs are timers there.
   * The system's inspection is how the supervisor hears each actor's
   * snapshots: one observer for all, where a subscription costs every actor
   * an observer set and its closures (about 0.5 KiB).
   */
  private readonly root = createActor(
    fromCallback(() => {}),
    { inspect: (event) => this.inspected(event) },
  ).start();
  private readonly unlisten: Array<() => Promise<void>> = [];
  /** The company settings each provider last applied, as stored. */
  private readonly appliedCompany = new Map<string, string>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  private actorsStarted = false;
  /** The engine's writes go through these connections: they name this replica, so stale ones are refused (fencing). */
  private readonly db: Db;
  private readonly leases: Leases;

  constructor(private readonly options: SupervisorOptions) {
    this.startSlots = new Limiter(options.startConcurrency ?? 200, options.startsCrowded);
    this.health = new CredentialHealth(options.database.db);
    const replica = { id: randomUUID(), name: options.replicaName ?? `${hostname()}:${process.pid}` };
    this.db = options.database.forReplica(replica.id);
    this.leases = new Leases(
      options.database.db,
      options.database.notifier,
      {
        replica,
        ttlSeconds: options.leaseTtlSeconds ?? 30,
        heartbeatSeconds: options.leaseHeartbeatSeconds ?? 10,
        solo: options.database.kind === "pglite",
      },
      {
        gained: async () => this.scheduleReconcile(),
        lost: async (ids) => void (await Promise.all(ids.map((id) => this.stopActor(id)))),
        releasing: async (ids) => void (await Promise.all(ids.map((id) => this.stopActor(id)))),
      },
      options.logger,
    );
    this.notices = new Notices(this.db, options.secrets, {
      bindingsOf: (operatorId, eventTypeId) =>
        [...this.running].filter(([, r]) => r.operatorId === operatorId && r.eventTypeId === eventTypeId).map(([id]) => id),
      isRunning: (bindingId) => this.running.has(bindingId),
      send: (bindingId, event) => {
        const entry = this.running.get(bindingId);
        // Told before the actor, so a pass running now yields its writes to the pull this notice queues.
        if (event.type === "WEBHOOK") entry?.sync.noticeArrived();
        entry?.actor.send(event);
      },
      forward: (notice) => notify(options.database.db, PUSH_CHANNEL, notice),
      ownedElsewhere: async (bindingId) => {
        const owner = await leaseOwnerOf(options.database.db, bindingId);
        return owner !== null && owner !== this.leases.replicaId;
      },
    });
    const syncOf = (bindingId: string) => {
      const entry = this.running.get(bindingId);
      if (!entry) throw new Error(`no actor runs for binding ${bindingId}`);
      return entry.sync;
    };
    // One machine for every actor: implementations reach each binding's I/O by its id.
    this.machine = bindingMachineWith({
      authorize: (bindingId, signal) => syncOf(bindingId).authorize(signal),
      runPass: (bindingId, mode, retryFailures, signal) =>
        syncOf(bindingId)
          .sync(mode, { retryFailures, signal })
          .catch((error) => {
            if (isLeaseLost(error)) this.leaseLost(bindingId);
            throw error;
          }),
      pollTurn: (bindingId) => this.running.get(bindingId)?.sync.pollTurn(),
      now: () => Date.now(),
    });
  }

  async start(): Promise<void> {
    const { notifier } = this.options.database;
    this.unlisten.push(await notifier.listen("taskcal_tasks", (payload) => this.notices.task(payload)));
    this.unlisten.push(
      await notifier.listen("taskcal_config", () => {
        this.leases.beatSoon();
        this.scheduleReconcile();
      }),
    );
    this.unlisten.push(await notifier.listen(COMMANDS_CHANNEL, (payload) => this.commandHeard(payload)));
    this.unlisten.push(await notifier.listen(PUSH_CHANNEL, (payload) => this.pushHeard(payload)));
    await this.leases.start();
    // On the chain like every reconcile: one beside it (the leases just claimed) would spawn a second actor for a binding.
    const first = this.reconciling.then(() => this.reconcile());
    this.reconciling = first.catch(() => {});
    await first;
    this.actorsStarted = true;
  }

  /** This replica's id (a new one each start): the owner its leases name. */
  get replicaId(): string {
    return this.leases.replicaId;
  }

  /** Whether start() has spawned the actors, and stop() was not called since (readiness). */
  get started(): boolean {
    return this.actorsStarted && !this.stopped;
  }

  /**
   * Stops every actor and waits for passes in flight, so their writes land
   * (each is safe to repeat anyway), then gives the leases up so other
   * replicas take the bindings over at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    await Promise.all(this.unlisten.map((stop) => stop().catch(() => {})));
    await this.reconciling;
    await this.leases.stop();
    await Promise.all([...this.running.keys()].map((id) => this.stopActor(id)));
    this.root.stop();
  }

  /** A write of this binding was refused (its lease expired, or is another replica's now): its actor stops. */
  private leaseLost(bindingId: string): void {
    this.options.logger.warn({ bindingId }, "a write was refused: the binding's lease is no longer this replica's, its actor stops");
    // A lease that had only expired, nobody claiming it, is renewed at the next beat: the actor starts again then.
    void this.stopActor(bindingId).then(() => this.scheduleReconcile());
  }

  private scheduleReconcile(): void {
    if (this.stopped || this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      this.reconciling = this.reconciling
        .then(() => this.reconcile())
        .catch((error) => {
          this.options.logger.error({ err: error }, "reconciling actors failed");
          this.scheduleReconcile();
        });
    }, this.options.reconcileDelayMs ?? 100);
  }

  /** Brings the running actors in line with the configuration: spawn, tell or stop only those concerned. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const rows = await syncingBindings(this.options.database.db);
    await this.applyCompanySettings();
    const syncing = new Set(rows.map((row) => row.binding.id));
    // A binding that stopped syncing ends its push channel; one whose lease went elsewhere leaves it to the new owner.
    for (const id of [...this.running.keys()]) if (!syncing.has(id)) await this.stopActor(id, { stopChannel: true });
    const starting = rows.filter((row) => !this.running.has(row.binding.id) && this.leases.owns(row.binding.id));
    const { paused } = await statesForStart(
      this.db,
      starting.map((row) => row.binding.id),
    );
    for (const row of rows) {
      const entry = this.running.get(row.binding.id);
      if (!entry) continue;
      entry.credential = credentialOf(row, this.options.providers).id;
      const digest = configDigest(row, this.options.providers);
      if (entry.config === digest) continue;
      entry.config = digest;
      entry.actor.send({ type: "CONFIG_CHANGED", pollMs: row.settings.pollIntervalSeconds * 1000 });
    }
    // Only those whose state rows were just made: a lease gained meanwhile brings its own reconcile.
    let batch: Running[] = [];
    for (const row of starting) {
      // Checked again: the loop awaits between batches, and a lease can go or the supervisor stop meanwhile.
      if (this.stopped || this.running.has(row.binding.id) || !this.leases.owns(row.binding.id)) continue;
      batch.push(this.spawn(row, paused.has(row.binding.id)));
      if (batch.length < SPAWN_BATCH) continue;
      // The next batch starts once this one's first states are recorded: queries queue no deeper than a batch's.
      await Promise.all(batch.map((started) => started.writes));
      batch = [];
    }
  }

  /** Providers follow their company settings as they change (the Google pace, R17). */
  private async applyCompanySettings(): Promise<void> {
    for (const provider of this.options.providers.list()) {
      const { definition } = provider;
      if (!definition.companyChanged) continue;
      const stored = await providerSettingsOf(this.options.database.db, definition.id);
      const digest = JSON.stringify(stored);
      if (this.appliedCompany.get(definition.id) === digest) continue;
      this.appliedCompany.set(definition.id, digest);
      try {
        definition.companyChanged(openCompany(provider, stored, this.options.secrets));
      } catch (error) {
        this.options.logger.warn({ err: error, provider: definition.id }, "the provider could not apply its settings");
      }
    }
  }

  private spawn(row: BindingConfig, startPaused: boolean): Running {
    const { observer } = this.options;
    const bindingId = row.binding.id;
    // Every line about this binding says which it is, whose, and on which provider.
    const logger = lazyChild(this.options.logger, { bindingId, operatorId: row.binding.operatorId, provider: row.operator.provider });
    const sync = new BindingSync({
      db: this.db,
      bindingId,
      providers: this.options.providers,
      secrets: this.options.secrets,
      logger,
      webhookBaseUrl: this.options.webhookBaseUrl,
      channelNoticed: (channelId, resourceId) => this.notices.channelNoticed(channelId, resourceId),
      startSlots: this.startSlots,
      health: this.health,
      beforeCommit: this.options.beforeCommit,
      observer,
    });
    const actor = createActor(this.machine, {
      parent: this.root,
      // Its snapshots reach inspected() under this id.
      id: bindingId,
      input: {
        bindingId,
        pollMs: row.settings.pollIntervalSeconds * 1000,
        backoffBaseMs: this.options.backoffBaseMs,
        backoffMaxMs: this.options.backoffMaxMs,
        startPaused,
      },
    });
    const entry: Running = {
      actor,
      sync,
      config: configDigest(row, this.options.providers),
      credential: credentialOf(row, this.options.providers).id,
      operatorId: row.binding.operatorId,
      eventTypeId: row.binding.eventTypeId,
      logger,
      shown: { state: null, error: null },
      writes: Promise.resolve(),
    };
    this.running.set(bindingId, entry);
    actor.start();
    logger.debug("binding actor started");
    return entry;
  }

  /** A snapshot of a binding's actor: a new state or error is recorded, logged and told. */
  private inspected(event: InspectionEvent): void {
    if (event.type !== "@xstate.snapshot") return;
    const ref = event.actorRef as AnyActorRef;
    const entry = this.running.get(ref.id);
    // The root's own snapshots, and those of the passes an actor invokes, are not a binding's.
    if (entry?.actor !== ref) return;
    const snapshot = entry.actor.getSnapshot();
    if (snapshot.status === "error") {
      entry.logger.error({ err: snapshot.error }, "binding actor failed");
      return;
    }
    const { shown, logger } = entry;
    const bindingId = snapshot.context.bindingId;
    const now = { state: topState(snapshot.value), error: snapshot.context.lastError };
    if (now.state === shown.state && now.error === shown.error) return;
    const newError = now.error !== null && now.error !== shown.error;
    const from = shown.state;
    entry.shown = now;
    entry.writes = entry.writes
      .then(() => this.persist(bindingId, now.state, now.error, newError, from))
      .catch((err) => logger.warn({ err }, "could not record actor state"));
    if (newError) logger.warn({ state: now.state, code: now.error!.code }, now.error!.message);
    if (newError && now.error!.code === "auth_revoked") this.credentialRefused(entry, now.error!);
    if (from !== now.state) this.options.observer?.actorChanged({ bindingId, from, to: now.state, error: now.error });
  }

  /** One binding found its credential refused: every other actor on it waits in `error` too, instead of each finding out at its next call. */
  private credentialRefused(from: Running, error: ActorError): void {
    // The actors told hear the same error: they pass nothing on.
    if (this.toldRefusals.has(error)) return;
    this.toldRefusals.add(error);
    for (const entry of this.running.values()) {
      if (entry === from || entry.credential !== from.credential) continue;
      if (topState(entry.actor.getSnapshot().value) === "error") continue;
      entry.actor.send({ type: "CREDENTIAL_REFUSED", error });
    }
  }

  private async persist(
    bindingId: string,
    state: ActorStateName,
    error: ActorError | null,
    newError: boolean,
    from: ActorStateName | null,
  ): Promise<void> {
    const { db } = this;
    await saveBindingState(db, bindingId, {
      state,
      lastErrorCode: error?.code ?? null,
      lastErrorMessage: error?.message ?? null,
      lastErrorAt: error ? new Date(error.at) : null,
    });
    // What the console's actor page lists as recent state changes.
    if (from !== state) await recordStateChange(db, bindingId, { from, to: state, error: error && { code: error.code, message: error.message } });
    if (newError) await bumpCounter(db, bindingId, "errors");
    if (state === "paused" || state === "error") await this.running.get(bindingId)?.sync.settleLag();
  }

  /** `stopChannel` when the binding stopped syncing for good (not when this process stops): its notices end too. */
  private async stopActor(bindingId: string, options: { stopChannel?: boolean } = {}): Promise<void> {
    const entry = this.running.get(bindingId);
    if (!entry) return;
    this.running.delete(bindingId);
    stopBindingActor(entry.actor);
    entry.sync.close();
    await entry.sync.idle();
    await entry.writes;
    if (options.stopChannel) await entry.sync.stopChannel();
  }

  /**
   * A command for an actor of this replica runs here; one of another replica
   * goes to it through NOTIFY, and the state answered is the one recorded.
   * Null: no such syncing binding.
   */
  async command(bindingId: string, command: ActorCommand): Promise<ActorStateName | null> {
    if (this.running.has(bindingId)) return this.commandHere(bindingId, command);
    const view = await actorView(this.options.database.db, bindingId);
    if (!view) return null;
    // Recorded here too: a binding whose lease is between owners starts paused (or not) wherever it is claimed.
    if (command === "pause" || command === "resume" || command === "restart") {
      await saveBindingState(this.options.database.db, bindingId, { paused: command === "pause" });
    }
    if (await leaseOwnerOf(this.options.database.db, bindingId)) await notify(this.options.database.db, COMMANDS_CHANNEL, { bindingId, command });
    return view.state;
  }

  private async commandHere(bindingId: string, command: ActorCommand): Promise<ActorStateName | null> {
    const entry = this.running.get(bindingId);
    if (!entry) return null;
    if (command === "pause" || command === "resume" || command === "restart") {
      await saveBindingState(this.db, bindingId, { paused: command === "pause" });
    }
    entry.actor.send({ type: COMMAND_EVENTS[command] });
    return topState(entry.actor.getSnapshot().value);
  }

  /** A command another replica took for an actor: run here if it runs here (it is never passed on again). */
  private commandHeard(payload: string): void {
    let heard: { bindingId?: unknown; command?: unknown };
    try {
      heard = JSON.parse(payload);
    } catch {
      return;
    }
    const { bindingId, command } = heard;
    if (typeof bindingId !== "string" || typeof command !== "string" || !(command in COMMAND_EVENTS) || !this.running.has(bindingId)) return;
    this.commandHere(bindingId, command as ActorCommand).catch((error) =>
      this.options.logger.warn({ err: error, bindingId }, "a command from another replica failed"),
    );
  }

  pushNotice(notice: PushNotice): Promise<boolean> {
    return this.notices.push(notice);
  }

  /** A push notice another replica verified, for an actor that may run here. */
  private pushHeard(payload: string): void {
    let notice: PushNotice;
    try {
      notice = JSON.parse(payload) as PushNotice;
    } catch {
      return;
    }
    this.notices.pushHere(notice).catch((error) => this.options.logger.warn({ err: error }, "a push notice from another replica failed"));
  }

  /** The bindings whose actors run in this process (each process reports its own in its metrics). */
  runningBindingIds(): string[] {
    return [...this.running.keys()];
  }

  /** Resolves once the actor's state changes so far are recorded (and, on coming to rest, its lag settled): tests wait on it. */
  async stateRecorded(bindingId: string): Promise<void> {
    await this.running.get(bindingId)?.writes;
  }

  /** Where an actor of this process is right now, and whether it idles with nothing in flight (tests, the demo and the bench wait on it). */
  actorStatus(bindingId: string): { state: ActorStateName; idle: boolean } | null {
    const snapshot = this.running.get(bindingId)?.actor.getSnapshot();
    return snapshot ? { state: topState(snapshot.value), idle: snapshot.matches({ incremental: "idle" }) } : null;
  }
}
