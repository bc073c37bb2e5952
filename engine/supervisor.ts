// Runs one binding actor per enabled binding, from the configuration in the
// database; reacts to configuration changes and routes CRM change notices.
import { and, desc, eq } from "drizzle-orm";
import type { Logger } from "pino";
import { createActor, type Actor } from "xstate";
import type { AdapterFactory } from "../adapters/types";
import type { Database } from "../db/database";
import { bindings, bindingState, eventTypes, journal, operators, settings } from "../db/schema";
import type { SecretBox } from "../db/secret-box";
import { bindingMachine, type ActorError, type ActorState, type BindingEvent } from "./binding-machine";
import { BindingSync } from "./binding-sync";
import { Limiter } from "./limiter";
import { SyncStore } from "./sync-store";

export interface ActorView {
  id: string;
  bindingId: string;
  operatorId: string;
  eventTypeId: string;
  calendarName: string;
  state: ActorState;
  lastSyncAt: string | null;
  lastError: ActorError | null;
  stats: { pushed: number; pulled: number; conflicts: number; errors: number };
}

export interface JournalView {
  at: string;
  direction: string;
  action: string;
  taskId: string | null;
  remoteId: string | null;
  outcome: string;
  detail: string | null;
}

export type ActorCommand = "sync" | "restart" | "pause" | "resume" | "resync";

/** What the API needs of the engine. */
export interface EngineControl {
  list(): Promise<ActorView[]>;
  get(bindingId: string): Promise<ActorView | null>;
  command(bindingId: string, command: ActorCommand): Promise<ActorState | null>;
  journal(bindingId: string, limit: number): Promise<JournalView[] | null>;
  /** A provider's push notice: true when the channel is ours and its token checks out. */
  pushNotice(channelId: string, token: string, changed: boolean): Promise<boolean>;
}

export interface SupervisorOptions {
  database: Database;
  adapters: AdapterFactory;
  secrets: SecretBox;
  logger: Logger;
  /** Tests shorten these. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Debounce for configuration notices. */
  reconcileDelayMs?: number;
  /** Public address of the webhook route, for push channels. */
  webhookUrl?: string;
  /** Told the settings on every reconcile (the Google pacer follows googleRequestsPerMinute). */
  onSettings?: (current: typeof settings.$inferSelect) => void;
  /** Actors authorizing or importing at once (default 200); the rest wait their turn. */
  startConcurrency?: number;
}

interface Running {
  actor: Actor<typeof bindingMachine>;
  sync: BindingSync;
  fingerprint: string;
  operatorId: string;
  eventTypeId: string;
  /** Serializes this actor's state writes. */
  writes: Promise<void>;
}

interface TaskNotice {
  operatorId: string;
  eventTypeId: string;
  previousOperatorId?: string | null;
  previousEventTypeId?: string | null;
}

const COMMAND_EVENTS: Record<ActorCommand, BindingEvent["type"]> = {
  sync: "SYNC_NOW",
  restart: "RESTART",
  pause: "PAUSE",
  resume: "RESUME",
  resync: "RESYNC",
};

export function topState(value: unknown): ActorState {
  const name = typeof value === "string" ? value : Object.keys(value as object)[0];
  return (name === "starting" ? "authorizing" : name) as ActorState;
}

export class Supervisor implements EngineControl {
  private readonly running = new Map<string, Running>();
  private readonly startSlots: Limiter;
  /** Channels a verified notice came on, kept for the actor that may not have recorded its channel yet. */
  private readonly noticedChannels = new Set<string>();
  private readonly unlisten: Array<() => Promise<void>> = [];
  private reconcileTimer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: SupervisorOptions) {
    this.startSlots = new Limiter(options.startConcurrency ?? 200);
  }

  private get db() {
    return this.options.database.db;
  }

  async start(): Promise<void> {
    const { notifier } = this.options.database;
    this.unlisten.push(await notifier.listen("taskcal_tasks", (payload) => this.onTaskNotice(payload)));
    this.unlisten.push(await notifier.listen("taskcal_config", () => this.scheduleReconcile()));
    await this.reconcile();
  }

  /** Stops every actor and waits for passes in flight, so their writes land (each is safe to repeat anyway). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    await Promise.all(this.unlisten.map((stop) => stop().catch(() => {})));
    await this.reconciling;
    const all = [...this.running.keys()];
    await Promise.all(all.map((id) => this.stopActor(id)));
  }

  private scheduleReconcile(): void {
    if (this.stopped || this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      this.reconciling = this.reconciling.then(() => this.reconcile()).catch((error) => {
        this.options.logger.error({ err: error }, "reconciling actors failed");
        this.scheduleReconcile();
      });
    }, this.options.reconcileDelayMs ?? 100);
  }

  /** Brings the running actors in line with the configuration: spawn, restart or stop only those concerned. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.enabledBindings();
    if (this.options.onSettings) {
      const [current] = await this.db.select().from(settings).where(eq(settings.id, 1));
      if (current) this.options.onSettings(current);
    }
    const wanted = new Map(rows.map((row) => [row.binding.id, row]));
    for (const id of [...this.running.keys()]) {
      const row = wanted.get(id);
      if (!row || this.running.get(id)!.fingerprint !== fingerprint(row)) await this.stopActor(id);
    }
    for (const row of rows) {
      if (!this.running.has(row.binding.id)) await this.spawn(row);
    }
  }

  private async enabledBindings() {
    return this.db
      .select({ binding: bindings, operator: operators, eventType: eventTypes, settings })
      .from(bindings)
      .innerJoin(operators, eq(operators.id, bindings.operatorId))
      .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
      .innerJoin(settings, eq(settings.id, 1))
      .where(and(eq(operators.googleEnabled, true), eq(eventTypes.googleSync, true)));
  }

  private async spawn(row: Awaited<ReturnType<Supervisor["enabledBindings"]>>[number]): Promise<void> {
    const { logger } = this.options;
    const bindingId = row.binding.id;
    const store = new SyncStore(this.db, bindingId);
    const state = await store.state();
    const sync = new BindingSync({
      store,
      adapters: this.options.adapters,
      secrets: this.options.secrets,
      logger: logger.child({ bindingId }),
      webhookUrl: this.options.webhookUrl,
      channelNoticed: (channelId) => this.noticedChannels.has(channelId),
      startSlots: this.startSlots,
    });
    const actor = createActor(bindingMachine, {
      input: {
        sync,
        pollMs: row.settings.pollIntervalSeconds * 1000,
        backoffBaseMs: this.options.backoffBaseMs,
        backoffMaxMs: this.options.backoffMaxMs,
        startPaused: state.paused,
      },
    });
    const entry: Running = {
      actor,
      sync,
      fingerprint: fingerprint(row),
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
        last = now;
        entry.writes = entry.writes.then(() => this.persist(store, now.state as ActorState, now.error, newError)).catch((err) => {
          logger.warn({ err, bindingId }, "could not record actor state");
        });
        if (newError) logger.warn({ bindingId, state: now.state, code: now.error!.code }, now.error!.message);
      },
      error: (err) => logger.error({ err, bindingId }, "binding actor failed"),
    });
    this.running.set(bindingId, entry);
    actor.start();
    logger.debug({ bindingId }, "binding actor started");
  }

  private async persist(store: SyncStore, state: ActorState, error: ActorError | null, newError: boolean): Promise<void> {
    await store.saveState({
      state,
      lastErrorCode: error?.code ?? null,
      lastErrorMessage: error?.message ?? null,
      lastErrorAt: error ? new Date(error.at) : null,
    });
    if (newError) await store.bump("errors");
  }

  private async stopActor(bindingId: string): Promise<void> {
    const entry = this.running.get(bindingId);
    if (!entry) return;
    this.running.delete(bindingId);
    entry.actor.stop();
    entry.sync.close();
    await entry.sync.idle();
    await entry.writes;
  }

  private onTaskNotice(payload: string): void {
    let notice: TaskNotice;
    try {
      notice = JSON.parse(payload) as TaskNotice;
    } catch {
      return;
    }
    for (const entry of this.running.values()) {
      const now = entry.operatorId === notice.operatorId && entry.eventTypeId === notice.eventTypeId;
      const before = entry.operatorId === notice.previousOperatorId && entry.eventTypeId === notice.previousEventTypeId;
      if (now || before) entry.actor.send({ type: "CRM_CHANGED" });
    }
  }

  async pushNotice(channelId: string, token: string, changed: boolean): Promise<boolean> {
    if (!this.options.secrets.verify(channelId, token)) return false;
    // The notice proves the channel reaches us. Its first one ("sync") can beat the write that records the
    // channel: remembered before the lookup, so the opening actor sees it either here or in the set.
    if (this.noticedChannels.size >= 10_000) this.noticedChannels.clear();
    this.noticedChannels.add(channelId);
    const [row] = await this.db
      .select({ bindingId: bindingState.bindingId, proven: bindingState.watchProven })
      .from(bindingState)
      .where(eq(bindingState.watchChannelId, channelId));
    if (row && !row.proven) await this.db.update(bindingState).set({ watchProven: true }).where(eq(bindingState.watchChannelId, channelId));
    if (!changed) return true;
    if (!row) return false;
    this.running.get(row.bindingId)?.actor.send({ type: "WEBHOOK" });
    return true;
  }

  async command(bindingId: string, command: ActorCommand): Promise<ActorState | null> {
    const entry = this.running.get(bindingId);
    if (!entry) return null;
    if (command === "pause" || command === "resume" || command === "restart") {
      await new SyncStore(this.db, bindingId).saveState({ paused: command === "pause" });
    }
    entry.actor.send({ type: COMMAND_EVENTS[command] });
    return topState(entry.actor.getSnapshot().value);
  }

  async list(): Promise<ActorView[]> {
    return this.views();
  }

  async get(bindingId: string): Promise<ActorView | null> {
    const [view] = await this.views(bindingId);
    return view ?? null;
  }

  /** From the database, so it is cheap and survives restarts. */
  private async views(bindingId?: string): Promise<ActorView[]> {
    const rows = await this.db
      .select({ binding: bindings, state: bindingState })
      .from(bindings)
      .innerJoin(operators, eq(operators.id, bindings.operatorId))
      .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
      .leftJoin(bindingState, eq(bindingState.bindingId, bindings.id))
      .where(
        and(
          eq(operators.googleEnabled, true),
          eq(eventTypes.googleSync, true),
          bindingId ? eq(bindings.id, bindingId) : undefined,
        ),
      )
      .orderBy(bindings.createdAt, bindings.id);
    return rows.map(({ binding, state }) => ({
      id: binding.id,
      bindingId: binding.id,
      operatorId: binding.operatorId,
      eventTypeId: binding.eventTypeId,
      calendarName: binding.calendarName,
      state: (state?.state ?? "authorizing") as ActorState,
      lastSyncAt: state?.lastSyncAt?.toISOString() ?? null,
      lastError:
        state?.lastErrorCode && state.lastErrorAt
          ? { code: state.lastErrorCode, message: state.lastErrorMessage ?? "", at: state.lastErrorAt.toISOString() }
          : null,
      stats: {
        pushed: state?.pushed ?? 0,
        pulled: state?.pulled ?? 0,
        conflicts: state?.conflicts ?? 0,
        errors: state?.errors ?? 0,
      },
    }));
  }

  async journal(bindingId: string, limit: number): Promise<JournalView[] | null> {
    if (!(await this.get(bindingId))) return null;
    const rows = await this.db
      .select()
      .from(journal)
      .where(eq(journal.bindingId, bindingId))
      .orderBy(desc(journal.id))
      .limit(limit);
    return rows.map((row) => ({
      at: row.at.toISOString(),
      direction: row.direction,
      action: row.action,
      taskId: row.taskId,
      remoteId: row.remoteId,
      outcome: row.outcome,
      detail: row.detail,
    }));
  }

  /** True when the actor waits for work with nothing in flight (tests and the demo wait on it). */
  isIdle(bindingId: string): boolean {
    return this.running.get(bindingId)?.actor.getSnapshot().matches({ incremental: "idle" }) ?? false;
  }

  /** The state an actor is in right now (tests and the demo wait on it). */
  stateOf(bindingId: string): ActorState | null {
    const entry = this.running.get(bindingId);
    return entry ? topState(entry.actor.getSnapshot().value) : null;
  }
}

/** What a running actor depends on; when it changes, the actor restarts. */
function fingerprint(row: Awaited<ReturnType<Supervisor["enabledBindings"]>>[number]): string {
  const { binding, operator, eventType, settings: s } = row;
  return JSON.stringify([
    binding.calendarName,
    operator.name,
    operator.useConfigToken,
    operator.refreshTokenEnc,
    operator.provider,
    operator.caldavUrl,
    operator.caldavUsername,
    operator.caldavPasswordEnc,
    eventType.display,
    s.googleClientId,
    s.googleClientSecretEnc,
    s.defaultRefreshTokenEnc,
    s.monthsBack,
    s.timeZone,
    s.conflictPolicy,
    s.pollIntervalSeconds,
  ]);
}
