// Carries out one planned action: the calendar's part first, then its
// database effects in one transaction. A race (a stale etag, a newer task
// version) is read again and planned again, a bounded number of times; a
// fault of the one item is recorded against it and the pass goes on (R20);
// anything about the whole binding goes up to the actor.
import type { CalendarAdapter, CalendarEvent } from "../adapters/types.js";
import type { Db } from "../db/database.js";
import { linksByRemoteIds } from "../db/queries/links.js";
import { type CommitResult, commitEffects, commitLinkEffects, type Effects, sharesCommit } from "../db/queries/sync-effects.js";
import { taskById } from "../db/queries/tasks.js";
import type { Action } from "./actions.js";
import { CommitBatch } from "./commit-batch.js";
import { effectsOf, failureEffects, failureKey, type RemoteResult } from "./effects.js";
import type { EngineObserver } from "./engine-observer.js";
import { eventShows, renderEvent } from "./event-render.js";
import { describeItemFault, itemFaultKind } from "./faults.js";
import { type PlanContext, planPulled, planRemoteDeletion } from "./planner.js";

/** Re-reads and re-plans of one item within a pass before it waits for the next pass. */
const RETRIES = 2;

/** Refusals of the account in a row that make a permission fault the whole calendar's, not one event's. */
const PERMISSION_STREAK = 3;

export interface ExecutorEnv {
  db: Db;
  bindingId: string;
  adapter: CalendarAdapter;
  calendarId: string;
  ctx: PlanContext;
  /** Items of the binding with an open failure (loaded once per pass): a success resolves its record. */
  openFailures: Set<string>;
  /** Refusals of the account in a row, kept by the binding across passes (one task per pass is still "in a row"). */
  refusals: { inARow: number };
  /** Test seam: runs between an action's calendar write and its commit (the model test drops the process there). */
  beforeCommit?: (action: Action) => void;
  signal?: AbortSignal;
  observer?: EngineObserver;
}

/** What a pass did, for its log line. */
export interface PassTally {
  pushed: number;
  pulled: number;
  conflicts: number;
  failed: number;
}

export class Executor {
  /** Something changed under the pass that it could not settle now: run another pass. */
  again = false;
  readonly tally: PassTally = { pushed: 0, pulled: 0, conflicts: 0, failed: 0 };
  /** Outcomes that write no task commit together (one round trip for the writes in flight). */
  private readonly batch: CommitBatch;
  /** Creates whose links recordAhead committed: their calls need no commit of their own before them. */
  private readonly recordedAhead = new Set<string>();

  constructor(private readonly env: ExecutorEnv) {
    this.batch = new CommitBatch(env.db, env.bindingId);
  }

  /**
   * Records the links of the creates among `actions` ahead of their calls, in
   * one commit, as each create would record its own (see perform): a create
   * recorded but never made is made by the next pass, as after a crash. If
   * that commit fails, each create records its own link as usual.
   */
  async recordAhead(actions: (Action | null)[]): Promise<void> {
    const creates = actions.filter((action) => action?.kind === "create");
    const effects = creates.map((action) => this.aheadOf(action));
    if (effects.length === 0) return;
    try {
      await commitLinkEffects(this.env.db, this.env.bindingId, effects);
    } catch {
      return;
    }
    for (const action of creates) this.recordedAhead.add(action.task.id);
    for (const each of effects) this.env.observer?.committed(this.env.adapter.provider, each);
  }

  /** A create's link before its call: the event is known (etag unknown) from then on. */
  private aheadOf(action: Extract<Action, { kind: "create" }>): Effects {
    const { calendarId, adapter } = this.env;
    const remoteId = adapter.eventIdForTask(action.task.id, calendarId);
    return { link: { taskId: action.task.id, calendarId, remoteId, etag: null, syncedVersion: action.task.version } };
  }

  /** Every commit of an action's effects goes through here, so the pass's tally and the observer see them all. */
  private async save(effects: Effects): Promise<CommitResult> {
    let result: CommitResult = { ok: true, task: null };
    if (sharesCommit(effects)) await this.batch.commit(effects);
    else result = await commitEffects(this.env.db, this.env.bindingId, effects);
    if (!result.ok) return result;
    const { counters, failure } = effects;
    this.tally.pushed += counters?.pushed ?? 0;
    this.tally.pulled += counters?.pulled ?? 0;
    this.tally.conflicts += counters?.conflicts ?? 0;
    if (failure && "record" in failure) this.tally.failed++;
    this.env.observer?.committed(this.env.adapter.provider, effects);
    return result;
  }

  async run(action: Action | null, retries = RETRIES): Promise<void> {
    if (!action) return;
    this.env.signal?.throwIfAborted();
    let remote: RemoteResult;
    try {
      remote = await this.perform(action);
    } catch (error) {
      return this.failed(action, error, retries);
    }
    this.env.refusals.inARow = 0;
    // Past this point the calendar holds the change: the commit follows even if the pass was cancelled meanwhile.
    this.env.beforeCommit?.(action);
    await this.commit(action, effectsOf(action, remote, this.env.calendarId, this.env.ctx), retries);
    if (remote.followUp) await this.run(remote.followUp, retries);
  }

  /** The calendar's part of an action. */
  private async perform(action: Action): Promise<RemoteResult> {
    const { adapter, calendarId } = this.env;
    switch (action.kind) {
      case "write":
        return { event: await adapter.updateEvent(calendarId, action.remoteId, action.data, action.base) };
      case "create": {
        const eventId = adapter.eventIdForTask(action.task.id, calendarId);
        // Written ahead: after a crash past this point the event is known (etag unknown), so a deletion of it in the
        // calendar reaches the task, and a create that never happened is tried again (planPush).
        if (!this.recordedAhead.delete(action.task.id)) await this.save(this.aheadOf(action));
        const result = await adapter.createEvent(calendarId, eventId, action.data);
        // An event already under our id (a crash after the write, an earlier binding): bring it to the task.
        // Its id is the provider's where the provider assigns ids (eventId was the creation key then).
        const event =
          result.created || eventShows(result.event, action.data)
            ? result.event
            : await adapter.updateEvent(calendarId, result.event.id, action.data, result.event);
        return { event, adopted: !result.created };
      }
      case "move": {
        const event = await adapter.moveEvent!(action.from.calendarId, action.from.remoteId, calendarId);
        // Edited in the calendar it left after that binding's last pull: the edits come along and reach the task
        // (merged as any pull merges them), never written over with the task as it was.
        const edited = planPulled(event, null, action.task, this.env.ctx);
        if (edited?.kind === "apply") return { event, followUp: edited };
        return { event: eventShows(event, action.data) ? event : await adapter.updateEvent(calendarId, event.id, action.data, event) };
      }
      case "delete":
        await adapter.deleteEvent(calendarId, action.remoteId, action.etag ?? undefined);
        return {};
      default:
        return {};
    }
  }

  private async commit(action: Action, effects: Effects, retries: number): Promise<void> {
    const key = failureKey(action);
    if (!effects.failure && this.env.openFailures.delete(key)) effects.failure = { resolve: key };
    let result: CommitResult;
    try {
      result = await this.save(effects);
    } catch (error) {
      if (effects.failure && "record" in effects.failure) throw error;
      return this.failed(action, error, 0);
    }
    if (!result.ok) return this.taskChanged(action, retries);
    // The calendar may still show what it does not own (number, field lines) wrongly: show the task again.
    if (action.kind === "apply" && result.task && !action.event.readOnly && action.restore !== false) {
      const data = renderEvent(result.task, this.env.ctx.render);
      const event = action.event;
      const base = { etag: event.etag, resource: event.resource };
      if (!eventShows(event, data)) await this.run({ kind: "write", task: result.task, remoteId: event.id, base, data, reason: "restore" }, retries);
    }
  }

  /** A conditional task write found a newer version (a CRM edit landed mid-pass): plan the item again with it. */
  private async taskChanged(action: Action, retries: number): Promise<void> {
    if (retries === 0 || (action.kind !== "apply" && action.kind !== "tombstone")) {
      this.again = true;
      return;
    }
    const task = await taskById(this.env.db, action.task.id);
    const remoteId = action.kind === "apply" ? action.event.id : action.link.remoteId;
    const link = (await linksByRemoteIds(this.env.db, this.env.bindingId, [remoteId])).get(remoteId) ?? null;
    const next = action.kind === "apply" ? planPulled(action.event, link, task, this.env.ctx) : link && planRemoteDeletion(link, task, this.env.ctx);
    await this.run(next, retries - 1);
  }

  private async failed(action: Action, error: unknown, retries: number): Promise<void> {
    const kind = itemFaultKind(error);
    if (kind === "binding" || (kind === "gone" && (action.kind === "create" || action.kind === "import"))) throw error;
    if (kind === "gone" && action.kind === "move") {
      // The event to move is not where its link said: make the task's event anew.
      return this.run({ kind: "create", task: action.task, data: action.data, note: "its event in the previous calendar was gone" }, retries);
    }
    if (kind === "race" || kind === "gone") return this.reread(action, retries);
    const { code, message } = describeItemFault(error);
    if (code === "permission" && ++this.env.refusals.inARow >= PERMISSION_STREAK) throw error;
    const key = failureKey(action);
    // A failed task is tried again once it changes: its failing version is kept.
    const taskVersion = key.startsWith("task:") && "task" in action ? action.task.version : null;
    this.env.openFailures.add(key);
    await this.save(failureEffects(action, code, message, taskVersion));
  }

  /** The event changed or vanished since it was read: read that one event again and decide anew (not the whole feed). */
  private async reread(action: Action, retries: number): Promise<void> {
    const remoteId = "remoteId" in action ? action.remoteId : undefined;
    if (!remoteId || !("task" in action) || retries === 0) {
      this.again = true;
      return;
    }
    const { db, bindingId, adapter, calendarId, ctx } = this.env;
    const current: CalendarEvent | null = await adapter.getEvent(calendarId, remoteId);
    const task = await taskById(db, action.task.id);
    const link = (await linksByRemoteIds(db, bindingId, [remoteId])).get(remoteId) ?? null;
    // The event of a task that left this binding goes whatever was added to it since: only its etag was stale.
    if (current && action.kind === "delete" && task && (task.operatorId !== ctx.operatorId || task.eventTypeId !== ctx.eventTypeId)) {
      return this.run({ ...action, etag: current.etag }, retries - 1);
    }
    if (current) return this.run(planPulled(current, link, task, ctx), retries - 1);
    if (action.kind === "delete") return this.commit(action, effectsOf(action, {}, calendarId, ctx), retries);
    if (link) return this.run(planRemoteDeletion(link, task, ctx), retries - 1);
  }
}
