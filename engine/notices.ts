// Notices that wake actors: CRM changes (the tasks trigger's NOTIFY) and
// providers' push notices (webhooks). A push notice counts only when its
// token is ours and it names a live channel of a running binding; replays and
// floods cost nothing more than the one pass an actor queues at most. A notice
// for a binding another replica runs is passed on to it (NOTIFY).
import type { PushNotice } from "../adapters/provider.js";
import type { Db } from "../db/database.js";
import { bindingOfChannel, saveBindingState } from "../db/queries/binding-state.js";
import type { SecretBox } from "../db/secret-box.js";

export interface TaskNotice {
  operatorId: string;
  eventTypeId: string;
  previousOperatorId?: string | null;
  previousEventTypeId?: string | null;
}

/** The actors the notices are for. */
export interface NoticeTargets {
  /** Bindings of this operator and type that run here. */
  bindingsOf(operatorId: string, eventTypeId: string): string[];
  isRunning(bindingId: string): boolean;
  send(bindingId: string, event: { type: "CRM_CHANGED" } | { type: "WEBHOOK" }): void;
  /** Whether another replica holds the binding's lease (runs its actor). */
  ownedElsewhere(bindingId: string): Promise<boolean>;
  /** Passes a verified notice on to every replica; the one running its binding acts on it (pushHere). */
  forward(notice: PushNotice): Promise<void>;
}

/** Channels remembered for the actor that may not have recorded its channel yet; bounded. */
const NOTICED_LIMIT = 10_000;

export class Notices {
  /** channel id → resource id of verified notices, for a channel whose opening is not written yet. */
  private readonly noticed = new Map<string, string | undefined>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretBox,
    private readonly targets: NoticeTargets,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A payload of the `taskcal_tasks` channel: the task's binding now and before (a move) sync. */
  task(payload: string): void {
    let notice: TaskNotice;
    try {
      notice = JSON.parse(payload) as TaskNotice;
    } catch {
      return;
    }
    const wake = new Set(this.targets.bindingsOf(notice.operatorId, notice.eventTypeId));
    if (notice.previousOperatorId && notice.previousEventTypeId) {
      for (const id of this.targets.bindingsOf(notice.previousOperatorId, notice.previousEventTypeId)) wake.add(id);
    }
    for (const id of wake) this.targets.send(id, { type: "CRM_CHANGED" });
  }

  /** Whether a verified notice matching this channel came before its opening was recorded. */
  channelNoticed(channelId: string, resourceId: string): boolean {
    return this.noticed.has(channelId) && this.noticed.get(channelId) === resourceId;
  }

  /** A notice as a webhook brought it to this replica. */
  push(notice: PushNotice): Promise<boolean> {
    return this.handle(notice, true);
  }

  /** A notice another replica verified and passed on: acted on only if its binding runs here. */
  pushHere(notice: PushNotice): Promise<boolean> {
    return this.handle(notice, false);
  }

  private async handle(notice: PushNotice, mayForward: boolean): Promise<boolean> {
    if (!this.secrets.verify(notice.channelId, notice.token)) return false;
    const row = await bindingOfChannel(this.db, notice.channelId);
    if (!row) {
      // The first notice ("sync") can beat the write that records the channel: remembered for the opening actor (wherever it runs).
      if (this.noticed.size >= NOTICED_LIMIT) this.noticed.clear();
      this.noticed.set(notice.channelId, notice.resourceId);
      if (mayForward) await this.targets.forward(notice);
      return !notice.changed;
    }
    const current = row.expiresAt !== null && row.expiresAt.getTime() > this.now().getTime();
    if (!current || (notice.resourceId !== undefined && notice.resourceId !== row.resourceId)) return false;
    if (!this.targets.isRunning(row.bindingId)) {
      if (!mayForward || !(await this.targets.ownedElsewhere(row.bindingId))) return false;
      await this.targets.forward(notice);
      return true;
    }
    // A notice that matches the channel proves its address reaches us (R17: polling becomes a backstop).
    // A provider asking for renewal has the channel renewed by the pass this notice starts.
    const change = { ...(row.proven ? {} : { watchProven: true }), ...(notice.renew ? { watchExpiresAt: this.now() } : {}) };
    if (Object.keys(change).length) await saveBindingState(this.db, row.bindingId, change);
    if (notice.changed || notice.renew) this.targets.send(row.bindingId, { type: "WEBHOOK" });
    return true;
  }
}
