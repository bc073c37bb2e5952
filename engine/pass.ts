// One sync pass over one binding: pull the calendar's changes page by page,
// then push the CRM's. Each page is planned from its links and tasks (loaded
// once per page) and carried out action by action; one bad item never stops
// the pass (R20) and the sync token advances past it.
import type { CalendarAdapter, CalendarEvent, ChangePage } from "../adapters/types.js";
import type { Db } from "../db/database.js";
import { saveBindingState } from "../db/queries/binding-state.js";
import type { BindingConfig } from "../db/queries/bindings.js";
import { type OpenFailure, openFailures, releaseTaskFailures } from "../db/queries/failures.js";
import { clearPushLag, settlePushLag } from "../db/queries/lag.js";
import { type LinkRow, linkEtagsByRemoteIds, linksByRemoteIdPrefix, linksByRemoteIds, linksByTaskIds, linksInWindow } from "../db/queries/links.js";
import { pendingPushes } from "../db/queries/pushes.js";
import { tasksByIds } from "../db/queries/tasks.js";
import type { Action } from "./actions.js";
import type { EngineObserver } from "./engine-observer.js";
import { Executor, type PassTally } from "./executor.js";
import { itemFaultKind } from "./faults.js";
import { ImportProgress } from "./import-progress.js";
import { type ConflictPolicy, type PlanContext, planPulled, planPush, planRemoteDeletion } from "./planner.js";
import { TASK_ID_PROPERTY } from "./task-model.js";
import { syncWindow } from "./window.js";

/** Writes one pass keeps in flight: a large import keeps the account's pace; the pacer, not this, sets the rate. */
const PUSH_CONCURRENCY = 16;

/**
 * Creates whose links one commit records ahead of their calls (Executor.recordAhead);
 * the next group's is recorded while this one's calls go out.
 */
const AHEAD = 64;

export type PassMode = "full" | "changes" | "push";

export interface PassEnv {
  db: Db;
  config: BindingConfig;
  adapter: CalendarAdapter;
  calendarId: string;
  accountId: string;
  now: Date;
  signal?: AbortSignal;
  /** See ExecutorEnv. */
  refusals: { inARow: number };
  /** Test seam, see ExecutorEnv. */
  beforeCommit?: (action: Action) => void;
  observer?: EngineObserver;
  /**
   * A push notice came after the pass began: its writes yield (those in
   * flight finish), so the pull the notice asks for runs next instead of
   * after every write; the next pass pulls, then writes the rest.
   */
  noticeWaiting?: () => boolean;
}

export interface PassRequest {
  /** `full` lists every event of the window, `changes` those since `syncToken`, `push` none (a CRM change costs its write alone). */
  mode: PassMode;
  syncToken?: string;
  /** restart and retry-failures: every failed item is tried again. */
  retryFailures: boolean;
  /** A CRM change was marked as waiting when the pass began (binding_state.push_pending_since): a pass that goes well clears it. */
  pushLagMarked?: boolean;
  /** The listing's first page for `syncToken`, already read (a poll lists before it loads anything). */
  firstPage?: ChangePage;
}

export interface PassResult {
  again: boolean;
  /** The token for the next incremental listing (pulling passes). */
  syncToken?: string;
  tally: PassTally;
}

export async function runPass(env: PassEnv, request: PassRequest): Promise<PassResult> {
  const { db, config } = env;
  const bindingId = config.binding.id;
  const ctx: PlanContext = {
    operatorId: config.binding.operatorId,
    eventTypeId: config.binding.eventTypeId,
    render: { display: config.eventType.display, operatorName: config.operator.name, timeZone: config.settings.timeZone },
    policy: config.settings.conflictPolicy as ConflictPolicy,
    window: syncWindow(env.now, config.settings.monthsBack, config.settings.timeZone),
    accountId: env.accountId,
    provider: env.adapter.provider,
    canMove: typeof env.adapter.moveEvent === "function",
    ownEventId: (taskId) => env.adapter.eventIdForTask(taskId, env.calendarId),
  };
  const open = await openFailures(db, bindingId);
  if (request.retryFailures) await releaseTaskFailures(db, bindingId);
  const executor = new Executor({
    db,
    bindingId,
    adapter: env.adapter,
    calendarId: env.calendarId,
    ctx,
    openFailures: new Set(open.map((failure) => failure.item)),
    refusals: env.refusals,
    beforeCommit: env.beforeCommit,
    signal: env.signal,
    observer: env.observer,
  });
  // A full import shows how far it is (GET /api/actors `progress`).
  const progress =
    request.mode === "full"
      ? new ImportProgress((p) =>
          saveBindingState(db, bindingId, { progressPhase: p?.phase ?? null, progressDone: p?.done ?? null, progressTotal: p?.total ?? null }),
        )
      : undefined;
  const pass = new Pass(env, ctx, executor, progress);
  let finished = false;
  try {
    const syncToken =
      request.mode === "push" ? undefined : await pass.pull(request.mode === "full" ? undefined : request.syncToken, request.firstPage);
    if (request.retryFailures) await pass.retryEvents(open.filter((failure) => failure.remoteId && failure.item.startsWith("event:")));
    await pass.push(request.retryFailures ? [] : open);
    finished = true;
    // What the pass could not settle (`again`) is for the pass that follows at once.
    if (request.pushLagMarked && !executor.again && !pass.yielded) await clearPushLag(db, bindingId);
    return { again: executor.again, syncToken, tally: executor.tally };
  } catch (error) {
    // What this pass left waits now (backoff, error, pause): make sure the lag shows it. Best effort: the fault is what matters.
    if (!finished) await settlePushLag(db, config.binding, ctx.window).catch(() => {});
    throw error;
  } finally {
    await progress?.close(finished);
  }
}

class Pass {
  /** Items a full import has read, then written. */
  private done = 0;
  /** Writes were left for the next pass, which a push notice asked for (PassEnv.noticeWaiting). */
  yielded = false;

  constructor(
    private readonly env: PassEnv,
    private readonly ctx: PlanContext,
    private readonly executor: Executor,
    private readonly progress?: ImportProgress,
  ) {}

  private get bindingId() {
    return this.env.config.binding.id;
  }

  /** Every page of a listing; after a full one, links it did not show are read by id (a deletion hides from full listings). */
  async pull(syncToken: string | undefined, firstPage?: ChangePage): Promise<string | undefined> {
    const { adapter, calendarId, signal } = this.env;
    const listed = syncToken === undefined ? new Set<string>() : null;
    let pageToken: string | undefined;
    let next: string | undefined;
    let read = firstPage;
    this.progress?.report("reading", 0, null);
    do {
      signal?.throwIfAborted();
      // The window goes with incremental listings too: a provider whose change tracking keeps its first window says when it moved.
      const page =
        read ??
        (await adapter.listChanges(calendarId, {
          syncToken,
          windowStart: this.ctx.window.startInstant.toISOString(),
          pageToken,
          knownEtags: this.knownEtags,
        }));
      read = undefined;
      const unchanged = page.unchangedIds ?? [];
      if (listed) for (const id of [...idsOf(page), ...unchanged]) listed.add(id);
      await this.applyPage(page);
      // No provider says how many events a listing holds: the total stays unknown while reading.
      this.progress?.report("reading", (this.done += idsOf(page).length + unchanged.length), null);
      pageToken = page.nextPageToken;
      next = page.syncToken ?? next;
    } while (pageToken);
    if (listed) await this.confirmUnlisted(listed);
    return next;
  }

  /**
   * The etags links hold: an event listed at the etag its link holds is our
   * own write (or what we last read) coming back, which the planner would
   * leave alone anyway, so a provider that can need not fetch it again.
   */
  private readonly knownEtags = (ids: string[]) => linkEtagsByRemoteIds(this.env.db, this.bindingId, ids);

  private async applyPage(page: ChangePage): Promise<void> {
    const { db, adapter } = this.env;
    const links = await linksByRemoteIds(db, this.bindingId, idsOf(page));
    const events = await this.complete(page.events, links);
    const deleted: LinkRow[] = [];
    for (const id of page.deletedIds) {
      const link = links.get(id);
      if (link) deleted.push(link);
      // A whole series gone: some providers (CalDAV) name only the series, not each occurrence.
      else if (this.env.adapter.occurrenceIdPrefix)
        deleted.push(...(await linksByRemoteIdPrefix(db, this.bindingId, this.env.adapter.occurrenceIdPrefix(id))));
    }
    const named = events.filter((event) => !links.has(event.id)).flatMap((event) => event.privateProperties?.[TASK_ID_PROPERTY] ?? []);
    const tasks = await tasksByIds(db, [...[...links.values(), ...deleted].map((link) => link.taskId), ...named]);
    const namedLinks = await linksByTaskIds(db, this.bindingId, named);
    for (const event of events) {
      const link = links.get(event.id) ?? null;
      const taskId = link?.taskId ?? event.privateProperties?.[TASK_ID_PROPERTY];
      const task = (taskId && tasks.get(taskId)) || null;
      const namedLink = !link && taskId ? namedLinks.get(taskId) : undefined;
      // Where the provider assigns ids, a create recorded ahead (no etag yet) holds the creation key, not the event's id:
      // the event naming its task is that create come back (after a crash), not a copy of a linked one.
      const pendingCreate = namedLink !== undefined && adapter.assignsEventIds === true && namedLink.etag === null;
      await this.executor.run(planPulled(event, link, task, this.ctx, namedLink !== undefined && !pendingCreate));
    }
    for (const link of deleted) await this.executor.run(planRemoteDeletion(link, tasks.get(link.taskId) ?? null, this.ctx));
    for (const item of page.unreadable ?? []) {
      await this.executor.run({ kind: "fail", remoteId: item.id, code: "unreadable", message: item.message });
    }
  }

  /**
   * Events a listing gave without their private properties (CalendarEvent.partial):
   * a linked one is known by its link; another is read by id to learn whose it is.
   */
  private async complete(events: CalendarEvent[], links: Map<string, LinkRow>): Promise<CalendarEvent[]> {
    const { adapter, calendarId, signal } = this.env;
    const complete: CalendarEvent[] = [];
    for (const event of events) {
      const link = links.get(event.id);
      if (!event.partial) complete.push(event);
      else if (link) complete.push({ ...event, privateProperties: { ...event.privateProperties, [TASK_ID_PROPERTY]: link.taskId } });
      else {
        signal?.throwIfAborted();
        try {
          // Gone since it was listed: the next listing reports the deletion.
          const read = await adapter.getEvent(calendarId, event.id);
          if (read) complete.push(read);
        } catch (error) {
          if (itemFaultKind(error) !== "item") throw error;
          await this.executor.run({ kind: "fail", remoteId: event.id, code: "unreadable", message: (error as Error).message });
        }
      }
    }
    return complete;
  }

  /** Links of the window that a full listing did not show: gone, or moved before the window; a read by id tells which. */
  private async confirmUnlisted(listed: Set<string>): Promise<void> {
    const unlisted = (await linksInWindow(this.env.db, this.bindingId, this.ctx.window)).filter((link) => !listed.has(link.remoteId));
    await this.reread(unlisted.map((link) => ({ remoteId: link.remoteId, link })));
  }

  /** Events that failed before, read again by id: the change feed will not list them again (R20). */
  async retryEvents(failures: OpenFailure[]): Promise<void> {
    const links = await linksByRemoteIds(
      this.env.db,
      this.bindingId,
      failures.map((f) => f.remoteId!),
    );
    await this.reread(failures.map((failure) => ({ remoteId: failure.remoteId!, link: links.get(failure.remoteId!) ?? null })));
  }

  private async reread(items: { remoteId: string; link: LinkRow | null }[]): Promise<void> {
    if (items.length === 0) return;
    const { adapter, calendarId, db } = this.env;
    for (const { remoteId, link } of items) {
      this.env.signal?.throwIfAborted();
      let event: CalendarEvent | null;
      try {
        event = await adapter.getEvent(calendarId, remoteId);
      } catch (error) {
        if (itemFaultKind(error) !== "item") throw error;
        await this.executor.run({ kind: "fail", remoteId, taskId: link?.taskId, code: "unreadable", message: (error as Error).message });
        continue;
      }
      const taskId = link?.taskId ?? event?.privateProperties?.[TASK_ID_PROPERTY];
      const task = taskId ? ((await tasksByIds(db, [taskId])).get(taskId) ?? null) : null;
      if (event) await this.executor.run(planPulled(event, link, task, this.ctx));
      else if (link) await this.executor.run(planRemoteDeletion(link, task, this.ctx));
    }
  }

  /** CRM changes to write; a task that failed is left alone until it changes again (or a retry is asked for). */
  async push(failures: OpenFailure[]): Promise<void> {
    const failedAt = new Map(failures.filter((f) => f.taskId && f.taskVersion !== null).map((f) => [f.taskId!, f.taskVersion]));
    const { config, db } = this.env;
    const pending = (await pendingPushes(db, config.binding, this.ctx.window)).filter((p) => failedAt.get(p.task.id) !== p.task.version);
    let next = 0;
    let written = 0;
    this.progress?.report("writing", 0, pending.length);
    // Planned a group at a time as the writes reach it (the first write waits for 64 plans, not thousands),
    // the group's creates recorded ahead in one commit; the next group is made ready while this one's calls go out.
    const groups = new Map<number, Promise<(Action | null)[]>>();
    const group = (at: number) => {
      let ready = groups.get(at);
      if (!ready) {
        const actions = pending.slice(at * AHEAD, (at + 1) * AHEAD).map((p) => planPush(p, this.ctx));
        groups.set(at, (ready = this.executor.recordAhead(actions).then(() => actions)));
      }
      return ready;
    };
    const worker = async () => {
      while (next < pending.length) {
        if (this.env.noticeWaiting?.()) {
          this.yielded = true;
          return;
        }
        const index = next++;
        const at = Math.floor(index / AHEAD);
        if (index % AHEAD === AHEAD / 2 && (at + 1) * AHEAD < pending.length) void group(at + 1);
        const actions = await group(at);
        await this.executor.run(actions[index % AHEAD]);
        this.progress?.report("writing", ++written, pending.length);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, pending.length) }, worker));
  }
}

function idsOf(page: ChangePage): string[] {
  return [...page.events.map((event) => event.id), ...page.deletedIds, ...(page.unreadable ?? []).map((item) => item.id)];
}
