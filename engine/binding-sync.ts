// The I/O of one binding: authorize, then pull calendar changes and push CRM
// changes. Decisions come from planner.ts; this file only carries them out.
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AccountCredentials, AdapterFactory, CalendarAdapter, CalendarEvent, EventData } from "../adapters/types";
import { PreconditionFailed, NotFound } from "../adapters/types";
import type { SecretBox } from "../db/secret-box";
import { eventShows, parseEvent, renderEvent } from "./event-render";
import { decidePull, decidePush, decideRemoteDeletion, type ConflictPolicy, type LinkState } from "./planner";
import { toLinkState, type BindingConfig, type LinkRow, type SyncStore } from "./sync-store";
import type { Limiter } from "./limiter";
import { TASK_ID_PROPERTY, type RenderContext, type SyncTask } from "./task-model";
import { syncWindow, taskInWindow, type SyncWindow } from "./window";

/** A fault an administrator must fix; the actor waits in `error` until then. */
export class ConfigurationError extends Error {
  constructor(
    readonly code: "missing_credentials" | "calendar_clash" | "calendar_missing" | "binding_removed",
    message: string,
  ) {
    super(message);
    this.name = "ConfigurationError";
  }
}

export interface SyncDeps {
  store: SyncStore;
  adapters: AdapterFactory;
  secrets: SecretBox;
  logger: Logger;
  /** Where providers with push channels send change notices; absent: polling only. */
  webhookUrl?: string;
  /** Whether a verified notice already came on this channel (it can beat the write that records the channel). */
  channelNoticed?: (channelId: string) => boolean;
  /** Slots shared by all bindings for authorization and full imports; unlimited without. */
  startSlots?: Limiter;
  now?: () => Date;
}

/** Writes one pass keeps in flight. */
const PUSH_CONCURRENCY = 4;

/** Channels are renewed this long before they expire. */
export const WATCH_RENEW_MS = 10 * 60_000;

export type SyncMode = "full" | "changes" | "push";

export interface SyncOutcome {
  /** Something changed under us mid-pass (a stale etag, a vanished event): run again right away. */
  again: boolean;
  /** When the push channel that has proven to reach us expires (ms); null: changes are found by polling. */
  channelExpiresAt: number | null;
}

type StateRow = Awaited<ReturnType<SyncStore["state"]>>;

function provenChannelExpiry(state: Pick<StateRow, "watchChannelId" | "watchExpiresAt" | "watchProven">): number | null {
  return state.watchChannelId && state.watchProven && state.watchExpiresAt ? state.watchExpiresAt.getTime() : null;
}

export function credentialsFor(config: BindingConfig, secrets: SecretBox): AccountCredentials {
  const { operator, settings } = config;
  if (operator.provider === "caldav") {
    if (!operator.caldavUrl || !operator.caldavUsername || !operator.caldavPasswordEnc) {
      throw new ConfigurationError("missing_credentials", `Operator "${operator.name}" has no complete CalDAV account: set its URL, user name and password.`);
    }
    return { provider: "caldav", serverUrl: operator.caldavUrl, username: operator.caldavUsername, password: secrets.open(operator.caldavPasswordEnc) };
  }
  if (!settings.googleClientId || !settings.googleClientSecretEnc) {
    throw new ConfigurationError("missing_credentials", "The Google client id and client secret are not set in the settings.");
  }
  const sealedToken = operator.useConfigToken ? settings.defaultRefreshTokenEnc : operator.refreshTokenEnc;
  if (!sealedToken) {
    throw new ConfigurationError(
      "missing_credentials",
      operator.useConfigToken
        ? `Operator "${operator.name}" uses the default refresh token, which is not set in the settings.`
        : `Operator "${operator.name}" has no Google refresh token: set one, or let the operator use the default token.`,
    );
  }
  return {
    provider: "google",
    clientId: settings.googleClientId,
    clientSecret: secrets.open(settings.googleClientSecretEnc),
    refreshToken: secrets.open(sealedToken),
  };
}

export class BindingSync {
  private readonly now: () => Date;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly deps: SyncDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The actor stopped: steps still waiting for a start slot give it up. */
  close(): void {
    this.closed = true;
  }

  /** Resolves when no step is running: a stopped actor's last step still finishes its writes. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(step: Promise<T>): Promise<T> {
    this.inFlight.add(step);
    const done = () => this.inFlight.delete(step);
    step.then(done, done);
    return step;
  }

  private async load(): Promise<{ config: BindingConfig; adapter: CalendarAdapter }> {
    const config = await this.deps.store.config();
    if (!config) throw new ConfigurationError("binding_removed", "The binding no longer exists.");
    return { config, adapter: this.deps.adapters(credentialsFor(config, this.deps.secrets)) };
  }

  /** R6 and R5: finds (or creates) the calendar, keeps its id, and refuses a calendar another binding on the account holds. */
  authorize(): Promise<{ hasSyncToken: boolean }> {
    return this.track(this.inStartSlot(() => this.authorizeStep()));
  }

  /**
   * One pass: pull calendar changes, then push pending CRM changes. `full` pulls
   * every event of the window, `changes` those since the sync token, and `push`
   * pulls nothing: a CRM change costs one call, and the etag precondition on
   * every write still catches a calendar change made meanwhile (R13).
   */
  sync(mode: SyncMode): Promise<SyncOutcome> {
    return this.track(mode === "full" ? this.inStartSlot(() => this.syncStep(mode)) : this.syncStep(mode));
  }

  private inStartSlot<T>(step: () => Promise<T>): Promise<T> {
    const slots = this.deps.startSlots;
    return slots ? slots.run(step, () => this.closed) : step();
  }

  private async authorizeStep(): Promise<{ hasSyncToken: boolean }> {
    const { store } = this.deps;
    const { config, adapter } = await this.load();
    const accountId = await adapter.accountId();
    const state = await store.state();
    const sameAccount = state.accountId === accountId;
    const calendarId =
      sameAccount && state.calendarId ? state.calendarId : (await adapter.findOrCreateCalendar(config.binding.calendarName)).id;
    const holder = await store.calendarHolder(accountId, calendarId);
    if (holder && holder.createdAt.getTime() <= config.binding.createdAt.getTime()) {
      throw new ConfigurationError(
        "calendar_clash",
        `Calendar "${config.binding.calendarName}" on this account is already bound to another binding (${holder.bindingId}); one calendar serves one binding. Bind another calendar name.`,
      );
    }
    const sameCalendar = sameAccount && state.calendarId === calendarId;
    // Links point at events of the old calendar; the import re-links what it finds in the new one.
    if (!sameCalendar) await store.dropLinks();
    await store.saveState({ accountId, calendarId, syncToken: sameCalendar ? state.syncToken : null });
    return { hasSyncToken: sameCalendar && !!state.syncToken };
  }

  private async syncStep(mode: SyncMode): Promise<SyncOutcome> {
    const { store } = this.deps;
    const { config, adapter } = await this.load();
    const state = await store.state();
    if (!state.calendarId) throw new ConfigurationError("binding_removed", "The binding has no calendar yet.");
    const pass = new Pass(this.deps, config, adapter, state.calendarId, syncWindow(this.now(), config.settings.monthsBack, config.settings.timeZone));
    if (mode === "push") {
      await pass.push();
      await store.saveState({ lastSyncAt: this.now() });
      return { again: pass.again, channelExpiresAt: provenChannelExpiry(state) };
    }
    const syncToken = await pass.pull(mode === "full" ? undefined : state.syncToken ?? undefined).catch(async (error) => {
      if (!(error instanceof NotFound)) throw error;
      // The calendar itself is gone: forget it, so a restart finds or creates it by name (R6) and sends the tasks again.
      await store.saveState({ calendarId: null, syncToken: null });
      throw new ConfigurationError(
        "calendar_missing",
        `Calendar "${config.binding.calendarName}" no longer exists on the account. Restart the actor to create it again and send the tasks to it.`,
      );
    });
    await pass.push();
    await store.saveState({ syncToken, lastSyncAt: this.now() });
    const watch = await this.ensureWatch(adapter, state);
    // Changes made while a new channel was being opened may have sent notices nobody recognised yet: pull once more.
    return { again: pass.again || watch.opened, channelExpiresAt: provenChannelExpiry(watch.state) };
  }

  /** Keeps a push channel open where the provider has one (R17: polling becomes a rare backstop); `opened` when it is new. */
  private async ensureWatch(adapter: CalendarAdapter, state: StateRow): Promise<{ opened: boolean; state: Pick<StateRow, "watchChannelId" | "watchExpiresAt" | "watchProven"> }> {
    const { webhookUrl, store, secrets, logger } = this.deps;
    const unchanged = { opened: false, state };
    if (!webhookUrl || !adapter.watch || !state.calendarId) return unchanged;
    const fresh = state.watchChannelId && state.watchExpiresAt && state.watchExpiresAt.getTime() - this.now().getTime() > WATCH_RENEW_MS;
    if (fresh) return unchanged;
    try {
      const channelId = randomUUID();
      const channel = await adapter.watch(state.calendarId, { channelId, address: webhookUrl, token: secrets.sign(channelId) });
      if (state.watchChannelId && state.watchResourceId && adapter.stopWatch) {
        await adapter.stopWatch({ channelId: state.watchChannelId, resourceId: state.watchResourceId }).catch(() => {});
      }
      const opened = {
        watchChannelId: channel.channelId,
        watchResourceId: channel.resourceId,
        watchExpiresAt: channel.expiresAt ? new Date(channel.expiresAt) : new Date(this.now().getTime() + 86_400_000),
        watchProven: false,
      };
      await store.saveState(opened);
      // Asked after the write: a notice handled before it could not find the channel in the table.
      if (this.deps.channelNoticed?.(channel.channelId)) {
        opened.watchProven = true;
        await store.saveState({ watchProven: true });
      }
      return { opened: true, state: opened };
    } catch (error) {
      // Push is an optimisation: without it the poll interval still finds every change.
      logger.warn({ err: error }, "could not open a push channel; polling only");
      return unchanged;
    }
  }
}

/** The state of one sync pass over one binding. */
class Pass {
  again = false;
  private readonly render: RenderContext;
  private readonly policy: ConflictPolicy;

  constructor(
    private readonly deps: SyncDeps,
    private readonly config: BindingConfig,
    private readonly adapter: CalendarAdapter,
    private readonly calendarId: string,
    private readonly window: SyncWindow,
  ) {
    this.render = {
      display: config.eventType.display,
      operatorName: config.operator.name,
      timeZone: config.settings.timeZone,
    };
    this.policy = config.settings.conflictPolicy as ConflictPolicy;
  }

  private bound(task: SyncTask): boolean {
    return task.operatorId === this.config.binding.operatorId && task.eventTypeId === this.config.binding.eventTypeId;
  }

  async pull(syncToken: string | undefined): Promise<string | undefined> {
    let pageToken: string | undefined;
    let nextSyncToken: string | undefined;
    do {
      const page = await this.adapter.listChanges(this.calendarId, {
        syncToken,
        windowStart: syncToken ? undefined : this.window.startInstant.toISOString(),
        pageToken,
      });
      for (const event of page.events) await this.pullEvent(event).catch((error) => this.tolerateRace(error));
      for (const id of page.deletedIds) await this.pullDeletion(id);
      pageToken = page.nextPageToken;
      nextSyncToken = page.syncToken ?? nextSyncToken;
    } while (pageToken);
    return nextSyncToken;
  }

  private async pullEvent(event: CalendarEvent): Promise<void> {
    const { store } = this.deps;
    const linkRow = await store.linkByRemoteId(event.id);
    const taskId = linkRow?.taskId ?? event.privateProperties?.[TASK_ID_PROPERTY];
    const task = taskId ? await store.task(taskId) : null;
    const taskBound = !!task && this.bound(task);
    const decision = decidePull({
      event,
      link: linkRow ? toLinkState(linkRow) : null,
      task,
      taskBound,
      eventInWindow: eventEndsInWindow(event, this.window),
      policy: this.policy,
      render: this.render,
    });
    switch (decision.kind) {
      case "skip":
        return;
      case "import": {
        const created = await store.importTask(this.config, parseEvent(event), this.calendarId, event.id, event.etag);
        await store.bump("pulled");
        await store.journal({ direction: "calendar-to-crm", action: "create", taskId: created.id, remoteId: event.id, outcome: "ok", detail: `task ${created.number}` });
        return;
      }
      case "adopt": {
        if (decision.conflict) await this.conflict(task!, event, decision.winner);
        if (decision.winner === "crm") {
          // Synced version 0 when the calendar must still be brought to the task.
          const settled = !decision.conflict && !task!.deleted;
          await store.saveLink(task!.id, this.calendarId, { remoteId: event.id, etag: event.etag, syncedVersion: settled ? task!.version : 0 }, event.updated);
          await store.journal({ direction: "calendar-to-crm", action: "link", taskId: task!.id, remoteId: event.id, outcome: "ok", detail: "existing event adopted" });
          return;
        }
        await this.applyFromCalendar(task!, event);
        return;
      }
      case "remove-stale":
        await this.adapter.deleteEvent(this.calendarId, event.id, event.etag).catch((e) => this.tolerateRace(e));
        if (task) await store.dropLink(task.id);
        await store.journal({ direction: "crm-to-calendar", action: "delete", taskId: task?.id, remoteId: event.id, outcome: "ok", detail: "task moved to another binding" });
        return;
      case "apply":
        if (decision.conflict) await this.conflict(task!, event, "calendar");
        await this.applyFromCalendar(task!, event);
        return;
      case "override":
        await this.conflict(task!, event, "crm");
        // Keep the synced version (the task is newer) but take the calendar's etag, so the push overwrites.
        await store.saveLink(task!.id, this.calendarId, { ...toLinkState(linkRow!), etag: event.etag }, event.updated);
        return;
      case "restore":
        await this.writeRendered(task!, event.id, event.etag, "restore");
        return;
    }
  }

  private async applyFromCalendar(task: SyncTask, event: CalendarEvent): Promise<void> {
    const { store } = this.deps;
    const link: LinkState = { remoteId: event.id, etag: event.etag, syncedVersion: 0 };
    const updated = await store.applyEdit(task.id, parseEvent(event), this.calendarId, link, task.deleted);
    await store.bump("pulled");
    await store.journal({ direction: "calendar-to-crm", action: "update", taskId: task.id, remoteId: event.id, outcome: "ok" });
    // The calendar may still show what it does not own (number, field lines) wrongly: show the task again.
    if (!eventShows(event, renderEvent(updated, this.render))) await this.writeRendered(updated, event.id, event.etag, "restore");
  }

  private async conflict(task: SyncTask, event: CalendarEvent, winner: "crm" | "calendar"): Promise<void> {
    await this.deps.store.bump("conflicts");
    await this.deps.store.journal({
      direction: winner === "crm" ? "crm-to-calendar" : "calendar-to-crm",
      action: "conflict",
      taskId: task.id,
      remoteId: event.id,
      outcome: `${winner === "crm" ? "crm" : "calendar"} wins`,
      detail: `both sides changed; policy ${this.policy}`,
    });
  }

  private async pullDeletion(remoteId: string): Promise<void> {
    const { store } = this.deps;
    const linkRow = await store.linkByRemoteId(remoteId);
    if (linkRow) return this.pullLinkDeletion(linkRow);
    // A whole series gone: some providers (CalDAV) name only the series, not each occurrence.
    const prefix = this.adapter.occurrenceIdPrefix?.(remoteId);
    if (prefix) for (const row of await store.linksByRemoteIdPrefix(prefix)) await this.pullLinkDeletion(row);
  }

  private async pullLinkDeletion(linkRow: LinkRow): Promise<void> {
    const { store } = this.deps;
    const remoteId = linkRow.remoteId;
    const task = await store.task(linkRow.taskId);
    const decision = decideRemoteDeletion(task, toLinkState(linkRow), this.policy, !!task && this.bound(task));
    if (decision === "forget") {
      await store.dropLink(linkRow.taskId);
      return;
    }
    if (decision === "recreate") {
      await store.dropLink(linkRow.taskId);
      await store.bump("conflicts");
      await store.journal({ direction: "crm-to-calendar", action: "conflict", taskId: linkRow.taskId, remoteId, outcome: "crm wins", detail: "event deleted in the calendar while the task changed; the event is created again" });
      return;
    }
    await store.tombstone(linkRow.taskId);
    await store.bump("pulled");
    await store.journal({ direction: "calendar-to-crm", action: "delete", taskId: linkRow.taskId, remoteId, outcome: "ok", detail: "event deleted in the calendar" });
  }

  async push(): Promise<void> {
    const pending = await this.deps.store.pendingPushes(this.config, this.window);
    // A few writes in flight keep a large import at the account's pace; the pacer, not this loop, sets the rate.
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const { task, link } = pending[next++];
        const decision = decidePush(task, link ? toLinkState(link) : null, this.bound(task), taskInWindow(task, this.window));
        try {
          if (decision === "create") await this.create(task);
          else if (decision === "update") await this.update(task, link!.remoteId, link!.etag);
          else if (decision === "delete") await this.remove(task, link!.remoteId, link!.etag);
        } catch (error) {
          this.tolerateRace(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PUSH_CONCURRENCY, pending.length) }, worker));
  }

  private async create(task: SyncTask): Promise<void> {
    const { store } = this.deps;
    const eventId = this.adapter.eventIdForTask(task.id);
    const data = renderEvent(task, this.render);
    const result = await this.adapter.createEvent(this.calendarId, eventId, data);
    let event = result.event;
    // An event already under our id (a crash after the write, or an earlier binding): bring it to the task.
    if (!result.created && !eventShows(event, data)) event = await this.adapter.updateEvent(this.calendarId, eventId, data, event.etag);
    await store.recordPush(
      task.id,
      { calendarId: this.calendarId, link: { remoteId: event.id, etag: event.etag, syncedVersion: task.version }, remoteUpdated: event.updated },
      { direction: "crm-to-calendar", action: "create", taskId: task.id, remoteId: event.id, outcome: "ok", detail: result.created ? null : "existing event adopted" },
    );
  }

  /** A vanished event is a deletion in the calendar (R11, R12 decide), not a failure. */
  private async update(task: SyncTask, remoteId: string, etag: string | null): Promise<void> {
    try {
      await this.writeRendered(task, remoteId, etag, "update");
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
      await this.pullDeletion(remoteId);
      this.again = true;
    }
  }

  private async writeRendered(task: SyncTask, remoteId: string, etag: string | null, action: "update" | "restore"): Promise<void> {
    const { store } = this.deps;
    const data: EventData = renderEvent(task, this.render);
    if (!etag) {
      // Never overwrite blindly: read the current etag; the next pass resolves any difference.
      const current = await this.adapter.getEvent(this.calendarId, remoteId);
      if (!current) throw new NotFound("event vanished");
      etag = current.etag;
    }
    const event = await this.adapter.updateEvent(this.calendarId, remoteId, data, etag);
    await store.recordPush(
      task.id,
      { calendarId: this.calendarId, link: { remoteId, etag: event.etag, syncedVersion: task.version }, remoteUpdated: event.updated },
      { direction: "crm-to-calendar", action, taskId: task.id, remoteId, outcome: "ok" },
    );
  }

  private async remove(task: SyncTask, remoteId: string, etag: string | null): Promise<void> {
    const { store } = this.deps;
    await this.adapter.deleteEvent(this.calendarId, remoteId, etag ?? undefined);
    await store.recordPush(task.id, null, {
      direction: "crm-to-calendar",
      action: "delete",
      taskId: task.id,
      remoteId,
      outcome: "ok",
      detail: task.deleted ? "task deleted" : "task moved to another operator or type",
    });
  }

  /** A stale etag or a vanished event means the calendar moved on: the next pass pulls it and decides. */
  private tolerateRace(error: unknown): void {
    if (error instanceof PreconditionFailed || error instanceof NotFound) {
      this.again = true;
      return;
    }
    throw error;
  }
}

function eventEndsInWindow(event: CalendarEvent, window: SyncWindow): boolean {
  const end = event.end;
  if ("date" in end) return end.date > window.startDate; // exclusive end
  return new Date(end.dateTime).getTime() >= window.startInstant.getTime();
}
