// Runs one binding actor per syncing binding, from the configuration in the
// database: spawns and stops actors as bindings come and go, tells running
// ones their configuration changed, and records each actor's state.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { type Actor, createActor } from "xstate";
import type { PushNotice } from "../adapters/provider.js";
import type { ProviderRegistry } from "../adapters/registry.js";
import type { Database } from "../db/database.js";
import type { ActorStateName } from "../db/enums.js";
import { bindingStateOf, bumpCounter, saveBindingState } from "../db/queries/binding-state.js";
import { type BindingConfig, syncingBindings } from "../db/queries/bindings.js";
import { providerSettingsOf } from "../db/queries/providers.js";
import { recordStateChange } from "../db/queries/state-changes.js";
import type { SecretBox } from "../db/secret-box.js";
import type { Action } from "./actions.js";
import type { ActorError, BindingEvent } from "./binding-context.js";
import { type BindingMachine, bindingMachineWith } from "./binding-machine.js";
import { BindingSync } from "./binding-sync.js";
import { CredentialHealth } from "./credential-health.js";
import { credentialOf, openCompany } from "./credentials.js";
import type { ActorCommand, EngineControl } from "./engine-control.js";
import type { EngineObserver } from "./engine-observer.js";
import { Limiter } from "./limiter.js";
import { Notices } from "./notices.js";

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
  /** Test seam, see ExecutorEnv. */
  beforeCommit?: (action: Action) => void;
  /** Told of state changes, passes, provider calls and commits (metrics, alerts). */
  observer?: EngineObserver;
}

interface Running {
  actor: Actor<BindingMachine>;
  sync: BindingSync;
  config: string;
  /** The credential it signs in with (`company:<provider>`, `operator:<id>`): a refusal stops every actor on it. */
  credential: string;
  operatorId: string;
  eventTypeId: string;
  /** Serializes this actor's state writes. */
  writes: Promise<void>;
}

const COMMAND_EVENTS: Record<ActorCommand, Exclude<BindingEvent, { type: "CONFIG_CHANGED" | "CREDENTIAL_REFUSED" }>["type"]> = {
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
  private readonly unlisten: Array<() => Promise<void>> = [];
  /** The company settings each provider last applied, as stored. */
  private readonly appliedCompany = new Map<string, string>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;
  private actorsStarted = false;

  constructor(private readonly options: SupervisorOptions) {
    this.startSlots = new Limiter(options.startConcurrency ?? 200);
    this.health = new CredentialHealth(options.database.db);
    this.notices = new Notices(options.database.db, options.secrets, {
      bindingsOf: (operatorId, eventTypeId) =>
        [...this.running].filter(([, r]) => r.operatorId === operatorId && r.eventTypeId === eventTypeId).map(([id]) => id),
      isRunning: (bindingId) => this.running.has(bindingId),
      send: (bindingId, event) => {
        const entry = this.running.get(bindingId);
        // Told before the actor, so a pass running now yields its writes to the pull this notice queues.
        if (event.type === "WEBHOOK") entry?.sync.noticeArrived();
        entry?.actor.send(event);
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
      runPass: (bindingId, mode, retryFailures, signal) => syncOf(bindingId).sync(mode, { retryFailures, signal }),
      now: () => Date.now(),
    });
  }

  async start(): Promise<void> {
    const { notifier } = this.options.database;
    this.unlisten.push(await notifier.listen("taskcal_tasks", (payload) => this.notices.task(payload)));
    this.unlisten.push(await notifier.listen("taskcal_config", () => this.scheduleReconcile()));
    await this.reconcile();
    this.actorsStarted = true;
  }

  /** Whether start() has spawned the actors, and stop() was not called since (readiness). */
  get started(): boolean {
    return this.actorsStarted && !this.stopped;
  }

  /** Stops every actor and waits for passes in flight, so their writes land (each is safe to repeat anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    await Promise.all(this.unlisten.map((stop) => stop().catch(() => {})));
    await this.reconciling;
    await Promise.all([...this.running.keys()].map((id) => this.stopActor(id)));
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
    const wanted = new Map(rows.map((row) => [row.binding.id, row]));
    for (const id of [...this.running.keys()]) if (!wanted.has(id)) await this.stopActor(id, { stopChannel: true });
    for (const row of rows) {
      const entry = this.running.get(row.binding.id);
      if (!entry) {
        await this.spawn(row);
        continue;
      }
      entry.credential = credentialOf(row, this.options.providers).id;
      const digest = configDigest(row, this.options.providers);
      if (entry.config === digest) continue;
      entry.config = digest;
      entry.actor.send({ type: "CONFIG_CHANGED", pollMs: row.settings.pollIntervalSeconds * 1000 });
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

  private async spawn(row: BindingConfig): Promise<void> {
    const { database, observer } = this.options;
    const bindingId = row.binding.id;
    // Every line about this binding says which it is, whose, and on which provider.
    const logger = this.options.logger.child({ bindingId, operatorId: row.binding.operatorId, provider: row.operator.provider });
    const state = await bindingStateOf(database.db, bindingId);
    const sync = new BindingSync({
      db: database.db,
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
      input: {
        bindingId,
        pollMs: row.settings.pollIntervalSeconds * 1000,
        backoffBaseMs: this.options.backoffBaseMs,
        backoffMaxMs: this.options.backoffMaxMs,
        startPaused: state.paused,
      },
    });
    const entry: Running = {
      actor,
      sync,
      config: configDigest(row, this.options.providers),
      credential: credentialOf(row, this.options.providers).id,
      operatorId: row.binding.operatorId,
      eventTypeId: row.binding.eventTypeId,
      writes: Promise.resolve(),
    };
    let last = { state: "", error: null as ActorError | null };
    actor.subscribe({
      next: (snapshot) => {
        const now = { state: topState(snapshot.value), error: snapshot.context.lastError };
        if (now.state === last.state && now.error === last.error) return;
        const newError = now.error !== null && now.error !== last.error;
        const from = last.state === "" ? null : (last.state as ActorStateName);
        last = now;
        entry.writes = entry.writes
          .then(() => this.persist(bindingId, now.state, now.error, newError, from))
          .catch((err) => logger.warn({ err }, "could not record actor state"));
        if (newError) logger.warn({ state: now.state, code: now.error!.code }, now.error!.message);
        if (newError && now.error!.code === "auth_revoked") this.credentialRefused(entry, now.error!);
        if (from !== now.state) observer?.actorChanged({ bindingId, from, to: now.state, error: now.error });
      },
      error: (err) => logger.error({ err }, "binding actor failed"),
    });
    this.running.set(bindingId, entry);
    actor.start();
    logger.debug("binding actor started");
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
    const { db } = this.options.database;
    await saveBindingState(db, bindingId, {
      state,
      lastErrorCode: error?.code ?? null,
      lastErrorMessage: error?.message ?? null,
      lastErrorAt: error ? new Date(error.at) : null,
    });
    // What the console's actor page lists as recent state changes.
    if (from !== state) await recordStateChange(db, bindingId, { from, to: state, error: error && { code: error.code, message: error.message } });
    if (newError) await bumpCounter(db, bindingId, "errors");
  }

  /** `stopChannel` when the binding stopped syncing for good (not when this process stops): its notices end too. */
  private async stopActor(bindingId: string, options: { stopChannel?: boolean } = {}): Promise<void> {
    const entry = this.running.get(bindingId);
    if (!entry) return;
    this.running.delete(bindingId);
    entry.actor.stop();
    entry.sync.close();
    await entry.sync.idle();
    await entry.writes;
    if (options.stopChannel) await entry.sync.stopChannel();
  }

  async command(bindingId: string, command: ActorCommand): Promise<ActorStateName | null> {
    const entry = this.running.get(bindingId);
    if (!entry) return null;
    if (command === "pause" || command === "resume" || command === "restart") {
      await saveBindingState(this.options.database.db, bindingId, { paused: command === "pause" });
    }
    entry.actor.send({ type: COMMAND_EVENTS[command] });
    return topState(entry.actor.getSnapshot().value);
  }

  pushNotice(notice: PushNotice): Promise<boolean> {
    return this.notices.push(notice);
  }

  /** The bindings whose actors run in this process (each process reports its own in its metrics). */
  runningBindingIds(): string[] {
    return [...this.running.keys()];
  }

  /** Where an actor of this process is right now, and whether it idles with nothing in flight (tests, the demo and the bench wait on it). */
  actorStatus(bindingId: string): { state: ActorStateName; idle: boolean } | null {
    const snapshot = this.running.get(bindingId)?.actor.getSnapshot();
    return snapshot ? { state: topState(snapshot.value), idle: snapshot.matches({ incremental: "idle" }) } : null;
  }
}
