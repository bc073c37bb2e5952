// Alerts without Prometheus: ALERT_WEBHOOK_URL receives a JSON message when an
// actor enters `error`, when it syncs again after one, and once per credential
// when a credential is revoked. Changes of a burst (a revoked company token
// stops every binding on it at once) go out together in one message. Delivery
// is retried with exponential backoff, one message at a time so they arrive in
// order; nothing here ever waits on the sync: the engine only hands a change
// over. The URL is never logged (chat webhooks carry their secret in it).
import type { Logger } from "pino";
import type { Db } from "../db/database.js";
import type { ActorStateName } from "../db/enums.js";
import { type BindingDescription, describeBindings } from "../db/queries/bindings.js";
import type { ActorChange } from "../engine/engine-observer.js";

export type AlertEvent = "actor_error" | "actor_recovered" | "credential_revoked";

export interface Alert {
  event: AlertEvent;
  at: string;
  provider: string | null;
  /** actor_* : the binding; credential_revoked: the first binding that found it. */
  bindingId: string;
  operatorId: string | null;
  eventTypeId: string | null;
  calendarName: string | null;
  state: ActorStateName;
  previousState: ActorStateName | null;
  /** `company` (the provider's company account) or `operator:<id>`. */
  credential: string | null;
  error: { code: string; message: string; at: string } | null;
}

export interface AlertOptions {
  url: string;
  db: Db;
  logger: Logger;
  /** Counts deliveries (metrics). */
  onDelivery?: (outcome: "delivered" | "failed" | "abandoned") => void;
  /** Changes arriving within this many ms go in one message (default 1 s). */
  batchMs?: number;
  /** Tries per message, the first included (default 8), and the backoff's first and longest wait. */
  attempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Per POST (default 10 s). */
  timeoutMs?: number;
}

/** Changes waiting to be sent, at most; older ones are dropped first (and logged) when a receiver is down for long. */
const MAX_WAITING = 1_000;
/** States in which an actor syncs again: reaching one after an error is a recovery (a restart that fails again is not). */
const SYNCING: readonly ActorStateName[] = ["initialImport", "incremental"];

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        done();
      },
      { once: true },
    );
  });
}

export class AlertWebhook {
  private waiting: { change: ActorChange; at: Date }[] = [];
  private readonly inError = new Set<string>();
  /** Credentials already reported revoked, until an actor on them syncs again. */
  private readonly revoked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  /** Aborted at stop: a message waiting for its next try is given up, one being sent is cut short. */
  private readonly halt = new AbortController();

  constructor(private readonly options: AlertOptions) {}

  /** The engine's observer hook: remembers the change and returns at once. */
  actorChanged(change: ActorChange): void {
    if (this.halt.signal.aborted) return;
    const entered = change.to === "error" && change.from !== "error";
    const recovered = SYNCING.includes(change.to) && this.inError.has(change.bindingId);
    if (entered) this.inError.add(change.bindingId);
    if (recovered) this.inError.delete(change.bindingId);
    if (!entered && !recovered) return;
    this.waiting.push({ change, at: new Date() });
    if (this.waiting.length > MAX_WAITING) {
      const dropped = this.waiting.splice(0, this.waiting.length - MAX_WAITING).length;
      this.options.logger.warn({ dropped }, "alert webhook: too many alerts waiting; the oldest were dropped");
    }
    this.timer ??= setTimeout(() => this.flush(), this.options.batchMs ?? 1_000).unref();
  }

  /** Gives up retries, and sends what waits once (shutdown must not wait minutes on a receiver that is down). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.halt.abort();
    await this.sending;
    const last = this.waiting.splice(0);
    if (last.length) await this.deliver(await this.alertsOf(last), 1, AbortSignal.timeout(3_000)).catch(() => {});
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.waiting.splice(0);
    this.sending = this.sending
      .then(async () => this.deliver(await this.alertsOf(batch), this.options.attempts ?? 8))
      .catch((err) => this.options.logger.warn({ err }, "alert webhook: could not prepare alerts"));
  }

  private async alertsOf(batch: { change: ActorChange; at: Date }[]): Promise<Alert[]> {
    const described = await describeBindings(this.options.db, [...new Set(batch.map(({ change }) => change.bindingId))]);
    const alerts: Alert[] = [];
    for (const { change, at } of batch) {
      const about = described.get(change.bindingId);
      const credential = about ? credentialOf(about) : null;
      const alert: Alert = {
        event: change.to === "error" ? "actor_error" : "actor_recovered",
        at: at.toISOString(),
        provider: about?.provider ?? null,
        bindingId: change.bindingId,
        operatorId: about?.operatorId ?? null,
        eventTypeId: about?.eventTypeId ?? null,
        calendarName: about?.calendarName ?? null,
        state: change.to,
        previousState: change.from,
        credential,
        error: change.error,
      };
      alerts.push(alert);
      const key = `${alert.provider}\0${credential}`;
      if (alert.event === "actor_recovered") this.revoked.delete(key);
      else if (change.error?.code === "auth_revoked" && credential && !this.revoked.has(key)) {
        this.revoked.add(key);
        alerts.push({ ...alert, event: "credential_revoked" });
      }
    }
    return alerts;
  }

  private async deliver(alerts: Alert[], attempts: number, stop: AbortSignal = this.halt.signal): Promise<void> {
    if (alerts.length === 0) return;
    const body = JSON.stringify({ text: summary(alerts), alerts });
    const { retryBaseMs = 1_000, retryMaxMs = 300_000, timeoutMs = 10_000, logger, onDelivery } = this.options;
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const answer = await fetch(this.options.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "taskcal-alerts" },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]),
        });
        await answer.body?.cancel();
        if (answer.ok) {
          onDelivery?.("delivered");
          return;
        }
        problem = `answered HTTP ${answer.status}`;
      } catch (error) {
        if (stop.aborted) problem = "did not answer before the service stopped";
        else problem = (error as Error).name === "TimeoutError" ? `did not answer within ${timeoutMs} ms` : "could not be reached";
      }
      if (attempt >= attempts || stop.aborted) {
        onDelivery?.("abandoned");
        logger.error({ alerts: alerts.length, attempts: attempt }, `alert webhook ${problem}; these alerts are given up`);
        return;
      }
      onDelivery?.("failed");
      const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** (attempt - 1));
      logger.warn({ attempt, retryInMs: delay }, `alert webhook ${problem}; retrying`);
      await sleep(delay, stop);
    }
  }
}

function credentialOf(about: BindingDescription): string {
  return about.companyAccount ? "company" : `operator:${about.operatorId}`;
}

/** One line per alert, for receivers that show a `text` field (chat webhooks). */
function summary(alerts: Alert[]): string {
  return alerts
    .map((alert) => {
      const where = `binding ${alert.bindingId}${alert.calendarName ? ` (calendar "${alert.calendarName}")` : ""}`;
      if (alert.event === "actor_recovered") return `taskcal: ${where} syncs again (${alert.state}).`;
      if (alert.event === "credential_revoked") return `taskcal: the ${alert.provider} credential ${alert.credential} was revoked: authorize again.`;
      return `taskcal: ${where} is in error: ${alert.error?.code ?? "unknown"}: ${alert.error?.message ?? ""}`;
    })
    .join("\n");
}
