// The I/O of one binding: authorize (find the calendar, claim it), run
// passes, keep a push channel open. Steps run one at a time, so passes never
// overlap: a step the actor cancelled (restart, resync, pause) stops at the
// next action, and the next step starts only when it has.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { ProviderRegistry } from "../adapters/registry.js";
import { AuthRevoked, type CalendarAdapter, type ChangePage, NotFound } from "../adapters/types.js";
import type { Db } from "../db/database.js";
import { type BindingStateRow, bindingStateOf, saveBindingState } from "../db/queries/binding-state.js";
import { type BindingConfig, bindingConfig, claimCalendar } from "../db/queries/bindings.js";
import { settlePushLag } from "../db/queries/lag.js";
import { dropLinks, linkEtagsByRemoteIds } from "../db/queries/links.js";
import { recordQuietPoll } from "../db/queries/polls.js";
import type { SecretBox } from "../db/secret-box.js";
import type { Action } from "./actions.js";
import type { CredentialHealth } from "./credential-health.js";
import { adapterFor, type CredentialRef, credentialOf } from "./credentials.js";
import type { EngineObserver, PassOutcome } from "./engine-observer.js";
import type { PassTally } from "./executor.js";
import { ConfigurationError, describeFault } from "./faults.js";
import type { Limiter } from "./limiter.js";
import { observedAdapter } from "./observed-adapter.js";
import { type PassMode, runPass } from "./pass.js";
import { StepQueue } from "./step-queue.js";
import { syncWindow } from "./window.js";

export interface SyncDeps {
  db: Db;
  bindingId: string;
  providers: ProviderRegistry;
  secrets: SecretBox;
  logger: Logger;
  /** The public address providers with push channels send notices under (`<base>webhooks/<provider>`); absent: polling only. */
  webhookBaseUrl?: string;
  /** Whether a verified notice already came on this channel (it can beat the write that records the channel). */
  channelNoticed?: (channelId: string, resourceId: string) => boolean;
  /** Slots shared by all bindings for authorization, full imports and the first pull after them (sync); unlimited without. */
  startSlots?: Limiter;
  /** Where what the binding learns of its credential is recorded (GET /api/credentials). */
  health?: CredentialHealth;
  now?: () => Date;
  /** Test seam, see ExecutorEnv. */
  beforeCommit?: (action: Action) => void;
  /** Told of every provider call, pass and commit (metrics). */
  observer?: EngineObserver;
}

/** Channels are renewed this long before they expire. */
export const WATCH_RENEW_MS = 10 * 60_000;

export interface SyncOutcome {
  /** Something changed under us mid-pass that it could not settle: run again right away. */
  again: boolean;
  /** When the push channel that has proven to reach us expires (ms); null: changes are found by polling. */
  channelExpiresAt: number | null;
  /**
   * How long after the pass began its poll listed the calendar (the listing
   * waits for the provider's pace): the next poll counts from then. Counted
   * from the pass's start, a poll that waited most of an interval on a short
   * budget would start the next at once, and every binding would wait in the
   * pacer's queue, each holding a suspended pass (10,000 at once, issue 18).
   */
  listedAfterMs?: number;
}

type ChannelState = Pick<BindingStateRow, "watchChannelId" | "watchResourceId" | "watchExpiresAt" | "watchProven">;
/** What keeping the push channel open reads of the binding's state. */
type WatchedState = ChannelState & Pick<BindingStateRow, "calendarId">;

/**
 * What the last pulling pass left: enough for the next poll to list changes
 * before it touches the database, and no more (10,000 bindings keep one each).
 */
interface LastPull {
  binding: Pick<BindingConfig["binding"], "id" | "operatorId" | "eventTypeId">;
  provider: string;
  monthsBack: number;
  timeZone: string;
  adapter: CalendarAdapter;
  credential: CredentialRef;
  calendarId: string;
  syncToken: string;
}

const NOTHING_DONE: PassTally = { pushed: 0, pulled: 0, conflicts: 0, failed: 0 };

function isEmpty(page: ChangePage): boolean {
  return page.events.length === 0 && page.deletedIds.length === 0 && !page.unreadable?.length && !page.nextPageToken;
}

function provenChannelExpiry(state: ChannelState): number | null {
  return state.watchChannelId && state.watchProven && state.watchExpiresAt ? state.watchExpiresAt.getTime() : null;
}

export class BindingSync {
  private readonly now: () => Date;
  private readonly steps = new StepQueue();
  private closed = false;
  /** The account's refusals in a row, across passes: three make a permission fault the calendar's (R20). */
  private readonly refusals = { inARow: 0 };
  /** The push channel last seen open, with the adapter that can stop it once the binding goes (its rows go with it). */
  private channel: { adapter: CalendarAdapter; channelId: string; resourceId: string } | null = null;
  /** The binding's provider as last loaded (a label for what the observer is told). */
  private provider = "unknown";
  /** Push notices delivered to this binding so far: a pass yields its writes to one that came after it began. */
  private notices = 0;
  /** `notices` when the last poll listed: a poll with none since is a routine one. */
  private noticesPolled = 0;
  /** Null until a pulling pass ends well, and again from each authorization (a configuration change re-authorizes). */
  private lastPull: LastPull | null = null;
  /** When the last pulling pass ended well (performance.now()), for the interval the observer is told. */
  private pulledAt: number | undefined;
  /** The routine poll's wait to begin, while it waits (pollTurn). */
  private turn: Promise<void> | undefined;

  constructor(private readonly deps: SyncDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The actor stopped: steps still waiting for a start slot give it up. */
  close(): void {
    this.closed = true;
  }

  /**
   * The binding was removed or stopped syncing: its push channel is stopped at
   * the provider, so notices stop coming (best effort: an unreachable provider
   * lets the channel lapse at its expiry, and its notices are refused meanwhile).
   */
  async stopChannel(): Promise<void> {
    const open = this.channel;
    this.channel = null;
    if (!open?.adapter.stopWatch) return;
    await open.adapter.stopWatch({ channelId: open.channelId, resourceId: open.resourceId }).catch((error) => {
      this.deps.logger.warn({ err: error }, "could not stop the push channel; it lapses at its expiry");
    });
  }

  /**
   * When the actor's next routine poll may begin (undefined: now): its
   * provider's pace may be short, and a poll waiting to begin holds nothing
   * (CalendarAdapter.pollTurn). One wait at a time: an actor that asks again
   * meanwhile is given the same.
   */
  pollTurn(): Promise<void> | undefined {
    if (this.turn) return this.turn;
    const turn = this.lastPull?.adapter.pollTurn?.();
    if (!turn) return undefined;
    this.turn = turn.finally(() => {
      this.turn = undefined;
    });
    return this.turn;
  }

  /** A push notice for this binding was delivered to its actor (which queues the pull it asks for). */
  noticeArrived(): void {
    this.notices++;
  }

  /**
   * The actor came to rest where no pass follows soon (paused, error): marks
   * the push lag with what waits. A task written while the engine held the
   * binding's state row (the trigger skips a locked row, migration 0009) has
   * no pass to meet then, and would otherwise show no lag until one runs.
   */
  async settleLag(): Promise<void> {
    const config = await bindingConfig(this.deps.db, this.deps.bindingId);
    if (!config) return;
    await settlePushLag(this.deps.db, config.binding, syncWindow(this.now(), config.settings.monthsBack, config.settings.timeZone));
  }

  /** Resolves when no step is running: a stopped actor's last step still commits what it wrote. */
  idle(): Promise<void> {
    return this.steps.idle();
  }

  private inStartSlot<T>(step: () => Promise<T>): Promise<T> {
    const slots = this.deps.startSlots;
    return slots ? slots.run(step, () => this.closed) : step();
  }

  private async load(): Promise<{ config: BindingConfig; adapter: CalendarAdapter; credential: CredentialRef }> {
    const config = await bindingConfig(this.deps.db, this.deps.bindingId);
    if (!config) throw new ConfigurationError("binding_removed", "The binding no longer exists.");
    const credential = credentialOf(config, this.deps.providers);
    this.provider = config.operator.provider;
    const adapter = adapterFor(config, this.deps.providers, this.deps.secrets, this.deps.logger);
    return { config, adapter: this.deps.observer ? observedAdapter(adapter, this.deps.observer) : adapter, credential };
  }

  /**
   * Runs a step on the credential, recording its refusal (revoked, expired, a
   * wrong password) against the credential; recording never fails the step.
   */
  private async onCredential<T>(credential: CredentialRef, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof AuthRevoked) await this.note(() => this.deps.health?.refused(credential, describeFault(error)));
      throw error;
    }
  }

  private async note(record: () => Promise<void> | undefined): Promise<void> {
    try {
      await record();
    } catch (error) {
      this.deps.logger.warn({ err: error }, "could not record the credential's health");
    }
  }

  /** R6 and R5: finds (or creates) the calendar, keeps its id, and claims it for this binding on its account. */
  authorize(signal?: AbortSignal): Promise<{ hasSyncToken: boolean }> {
    return this.steps.run(() => this.inStartSlot(() => this.authorizeStep(signal)));
  }

  /**
   * One pass. Full imports take a start slot, and so does the first pulling
   * pass after signing in or after a failed one (no poll to make: it reads
   * the binding whole and may open the push channel). At start-up those are
   * every binding's, and each would otherwise hold a pass waiting for the
   * provider's pace: a restart with 10,000 bindings and push channels ran out
   * of its 256 MiB heap with them (issue 18). Routine polls and pushes never wait for a slot.
   */
  sync(mode: PassMode, options: { retryFailures?: boolean; signal?: AbortSignal } = {}): Promise<SyncOutcome> {
    const step = () => this.observed(mode, () => this.syncStep(mode, options.retryFailures ?? false, options.signal), options.signal);
    return this.steps.run(() => (mode === "full" || (mode === "changes" && !this.lastPull) ? this.inStartSlot(step) : step()));
  }

  /** A pass, timed for the observer and logged in one line with its counts (debug; its fault is the actor's to log). */
  private async observed(mode: PassMode, pass: () => Promise<SyncOutcome & { tally?: PassTally }>, signal?: AbortSignal) {
    const started = performance.now();
    let outcome: PassOutcome = "failed";
    try {
      const result = await pass();
      outcome = "ok";
      const line = { mode, ...result.tally, again: result.again, ms: Math.round(performance.now() - started) };
      if (result.tally?.failed) this.deps.logger.warn(line, `${result.tally.failed} item(s) failed: see the actor's failures`);
      else this.deps.logger.debug(line, "pass done");
      return result;
    } catch (error) {
      if (signal?.aborted) outcome = "cancelled";
      throw error;
    } finally {
      this.deps.observer?.passEnded(this.provider, mode, outcome, (performance.now() - started) / 1000);
    }
  }

  private async authorizeStep(signal?: AbortSignal): Promise<{ hasSyncToken: boolean }> {
    signal?.throwIfAborted();
    this.lastPull = null;
    const { db, bindingId } = this.deps;
    const { config, adapter, credential } = await this.load();
    const accountId = await this.onCredential(credential, () => adapter.accountId());
    await this.note(() => this.deps.health?.signedIn(credential, accountId));
    const state = await bindingStateOf(db, bindingId);
    const sameAccount = state.accountId === accountId;
    let calendarId = sameAccount ? state.calendarId : null;
    if (!calendarId) {
      const found = await adapter.findOrCreateCalendar(config.binding.calendarName);
      if (found.writable === false) {
        throw new ConfigurationError(
          "calendar_read_only",
          `The account may only read calendar "${config.binding.calendarName}": give it write access, or bind a calendar it owns.`,
        );
      }
      calendarId = found.id;
    }
    const holder = await claimCalendar(db, bindingId, accountId, calendarId);
    if (holder !== bindingId) {
      throw new ConfigurationError(
        "calendar_clash",
        `Calendar "${config.binding.calendarName}" on this account is already bound to another binding (${holder}); one calendar serves one binding. Bind another calendar name.`,
      );
    }
    const sameCalendar = sameAccount && state.calendarId === calendarId;
    // Links point at events of the old calendar; the import re-links what it finds in the new one.
    if (!sameCalendar) await dropLinks(db, bindingId);
    await saveBindingState(db, bindingId, { accountId, calendarId, syncToken: sameCalendar ? state.syncToken : null });
    return { hasSyncToken: sameCalendar && !!state.syncToken };
  }

  /**
   * A poll lists first, with what the last pulling pass left: most find
   * nothing, and then their one database round trip records the new token
   * (and asks whether a CRM change waits). Otherwise the page read goes to an
   * ordinary pass.
   */
  private async poll(last: LastPull, listed: () => void): Promise<(SyncOutcome & { tally: PassTally }) | { firstPage: ChangePage } | "push"> {
    const window = syncWindow(this.now(), last.monthsBack, last.timeZone);
    const routine = this.notices === this.noticesPolled;
    this.noticesPolled = this.notices;
    const page = await this.onCredential(last.credential, () =>
      last.adapter.listChanges(last.calendarId, {
        syncToken: last.syncToken,
        windowStart: window.startInstant.toISOString(),
        // taskcal's own writes coming back are not fetched again (providers that list ETags first).
        knownEtags: (ids) => linkEtagsByRemoteIds(this.deps.db, last.binding.id, ids),
        routine,
      }),
    );
    listed();
    if (!isEmpty(page) || !page.syncToken) return { firstPage: page };
    const recorded = await recordQuietPoll(this.deps.db, {
      binding: last.binding,
      calendarId: last.calendarId,
      syncToken: last.syncToken,
      nextSyncToken: page.syncToken,
      at: this.now(),
      window,
    });
    // Reset meanwhile (another calendar, a cleared token): the ordinary pass starts over.
    if (!recorded) return { firstPage: page };
    this.lastPull = { ...last, syncToken: page.syncToken };
    if (recorded.pushWaiting) return "push";
    await this.note(() => this.deps.health?.worked(last.credential));
    return this.pulled(last.adapter, last.provider, recorded.state, false, NOTHING_DONE);
  }

  private syncStep(mode: PassMode, retryFailures: boolean, signal?: AbortSignal): Promise<SyncOutcome & { tally: PassTally }> {
    const began = performance.now();
    let listedAt: number | undefined;
    // Not an async function: a poll waiting its turn holds one frame less (thousands wait at start-up).
    return this.passStep(mode, retryFailures, signal, () => (listedAt = performance.now())).then((outcome) =>
      listedAt === undefined ? outcome : { ...outcome, listedAfterMs: listedAt - began },
    );
  }

  /** `listed`: told when the poll has listed the calendar. */
  private async passStep(
    mode: PassMode,
    retryFailures: boolean,
    signal: AbortSignal | undefined,
    listed: () => void,
  ): Promise<SyncOutcome & { tally: PassTally }> {
    signal?.throwIfAborted();
    const noticesBefore = this.notices;
    const last = this.lastPull;
    let firstPage: ChangePage | undefined;
    if (mode !== "push") this.lastPull = null;
    if (mode === "changes" && !retryFailures && last) {
      // A calendar gone is for the ordinary pass to find out and settle (below).
      const polled = await this.poll(last, listed).catch((error) => {
        if (error instanceof NotFound) return { firstPage: undefined };
        throw error;
      });
      if (polled === "push") return this.passStep("push", false, signal, listed);
      if (!("firstPage" in polled)) return polled;
      firstPage = polled.firstPage;
    }
    const { db, bindingId } = this.deps;
    const { config, adapter, credential } = await this.load();
    const state = await bindingStateOf(db, bindingId);
    if (!state.calendarId || !state.accountId) throw new ConfigurationError("binding_removed", "The binding has no calendar yet.");
    // The page read belongs to this listing only if nothing moved the binding's calendar or token meanwhile.
    if (firstPage && (state.calendarId !== last?.calendarId || state.syncToken !== last?.syncToken)) firstPage = undefined;
    const env = {
      db,
      config,
      adapter,
      calendarId: state.calendarId,
      accountId: state.accountId,
      now: this.now(),
      signal,
      refusals: this.refusals,
      beforeCommit: this.deps.beforeCommit,
      observer: this.deps.observer,
      // A full import finishes its writes: the machine takes its outcome, not the notices it heard, after it.
      noticeWaiting: mode === "full" ? undefined : () => this.notices !== noticesBefore,
    };
    const request = { mode, syncToken: state.syncToken ?? undefined, retryFailures, pushLagMarked: state.pushPendingSince !== null, firstPage };
    const result = await this.onCredential(credential, () => runPass(env, request)).catch(async (error) => {
      if (!(error instanceof NotFound)) throw error;
      // The calendar itself is gone: forget it, so a restart finds or creates it by name (R6) and sends the tasks again.
      await saveBindingState(db, bindingId, { calendarId: null, syncToken: null });
      throw new ConfigurationError(
        "calendar_missing",
        `Calendar "${config.binding.calendarName}" no longer exists on the account. Restart the actor to create it again and send the tasks to it.`,
      );
    });
    await this.note(() => this.deps.health?.worked(credential));
    if (mode === "push") {
      await saveBindingState(db, bindingId, { lastSyncAt: this.now() });
      return { again: result.again, channelExpiresAt: provenChannelExpiry(state), tally: result.tally };
    }
    await saveBindingState(db, bindingId, { syncToken: result.syncToken ?? null, lastSyncAt: this.now(), lastPullAt: this.now() });
    if (result.syncToken) {
      const { id, operatorId, eventTypeId } = config.binding;
      this.lastPull = {
        binding: { id, operatorId, eventTypeId },
        provider: config.operator.provider,
        monthsBack: config.settings.monthsBack,
        timeZone: config.settings.timeZone,
        adapter,
        credential,
        calendarId: state.calendarId,
        syncToken: result.syncToken,
      };
    }
    return this.pulled(adapter, config.operator.provider, state, result.again, result.tally);
  }

  /** After a pulling pass: the push channel kept open, and what the actor is told. */
  private async pulled(
    adapter: CalendarAdapter,
    provider: string,
    state: WatchedState,
    again: boolean,
    tally: PassTally,
  ): Promise<SyncOutcome & { tally: PassTally }> {
    const at = performance.now();
    if (this.pulledAt !== undefined) this.deps.observer?.pulled(provider, (at - this.pulledAt) / 1000);
    this.pulledAt = at;
    const watch = await this.ensureWatch(adapter, provider, state);
    const { watchChannelId, watchResourceId } = watch.state;
    this.channel = watchChannelId && watchResourceId ? { adapter, channelId: watchChannelId, resourceId: watchResourceId } : null;
    // Changes made while a new channel was being opened may have sent notices nobody recognised yet: pull once more.
    return { again: again || watch.opened, channelExpiresAt: provenChannelExpiry(watch.state), tally };
  }

  /** Keeps a push channel open where the provider has one (R17: polling becomes a rare backstop); `opened` when it is new. */
  private async ensureWatch(adapter: CalendarAdapter, provider: string, state: WatchedState): Promise<{ opened: boolean; state: ChannelState }> {
    const { webhookBaseUrl, db, bindingId, secrets, logger } = this.deps;
    const unchanged = { opened: false, state };
    if (!webhookBaseUrl || !adapter.watch || !state.calendarId) return unchanged;
    const webhookUrl = new URL(`webhooks/${provider}`, webhookBaseUrl).toString();
    const fresh = state.watchChannelId && state.watchExpiresAt && state.watchExpiresAt.getTime() - this.now().getTime() > WATCH_RENEW_MS;
    if (fresh) return unchanged;
    if (adapter.renewWatch && state.watchChannelId && state.watchResourceId) {
      try {
        // Renewed in place, the channel keeps its id and what it has proven; a channel the provider forgot is opened anew below.
        const renewed = await adapter.renewWatch({ channelId: state.watchChannelId, resourceId: state.watchResourceId });
        const extended = { watchExpiresAt: renewed.expiresAt ? new Date(renewed.expiresAt) : new Date(this.now().getTime() + 86_400_000) };
        await saveBindingState(db, bindingId, extended);
        this.deps.observer?.channelOpened(adapter.provider, true);
        return { opened: false, state: { ...state, ...extended } };
      } catch (error) {
        logger.info({ err: error }, "could not renew the push channel; opening a new one");
      }
    }
    try {
      const channelId = randomUUID();
      const channel = await adapter.watch(state.calendarId, { channelId, address: webhookUrl, token: secrets.sign(channelId) });
      const opened = {
        watchChannelId: channel.channelId,
        watchResourceId: channel.resourceId,
        watchExpiresAt: channel.expiresAt ? new Date(channel.expiresAt) : new Date(this.now().getTime() + 86_400_000),
        watchProven: false,
      };
      await saveBindingState(db, bindingId, opened);
      // Stopped once the new one is recorded: from then on a notice on the old channel is refused, never missed in between.
      if (state.watchChannelId && state.watchResourceId && adapter.stopWatch) {
        await adapter.stopWatch({ channelId: state.watchChannelId, resourceId: state.watchResourceId }).catch(() => {});
      }
      this.deps.observer?.channelOpened(adapter.provider, state.watchChannelId !== null);
      // Asked after the write: a notice handled before it could not find the channel in the table.
      if (this.deps.channelNoticed?.(channel.channelId, channel.resourceId)) {
        opened.watchProven = true;
        await saveBindingState(db, bindingId, { watchProven: true });
      }
      return { opened: true, state: opened };
    } catch (error) {
      // Push is an optimisation: without it the poll interval still finds every change.
      logger.warn({ err: error }, "could not open a push channel; polling only");
      return unchanged;
    }
  }
}
