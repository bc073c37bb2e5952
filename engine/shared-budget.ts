// The per-account pace (R17) for the whole cluster: every replica's pacer of
// an account also takes each call from a budget kept in PostgreSQL, reserved
// a few calls at a time. Each pacer still sends waiting writes before waiting
// polls, within what it reserved.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { CallBudget, CallPriority } from "../adapters/pacer.js";
import type { Db } from "../db/database.js";
import { type Reservation, type ReservationRequest, reserveCalls, reserveCallsTogether } from "../db/queries/quota.js";

/** Windows the budget is counted in. */
const WINDOW_SECONDS = 5;
/**
 * A minute of the provider's (sliding) quota overlaps at most 60/5 + 1 = 13
 * windows: each grants 12/13 of its share, so no minute sees more than the pace.
 */
const WINDOWS_PER_MINUTE = 60 / WINDOW_SECONDS;
const WINDOWS_SEEN = WINDOWS_PER_MINUTE + 1;
/** Reserved at a time: a tenth of a window's calls, so replicas share a window without each holding much of it. */
const CHUNK_PART = 10;
/** After a failed reservation (the database unreachable), the pacer asks again this much later. */
const RETRY_MS = 1000;
/** How long reads' reservations are gathered into one statement (as the poll batcher gathers polls). */
const GATHER_MS = 100;

interface Asked extends ReservationRequest {
  resolve(reservation: Reservation): void;
  reject(error: unknown): void;
}

/**
 * The reservations of one replica's budgets, sent together: with 10,000
 * accounts of their own, each poll found its account's budget lapsed and
 * reserved alone, and those statements' socket writes were the idle
 * service's largest cost (`node --cpu-prof`, issue 18). The first
 * reservation after a quiet spell goes at once and opens a window; reads'
 * reservations asked in it go together when it ends. A write's goes at
 * once, with any gathered.
 */
class Reservations {
  private gathered: Asked[] = [];
  private window: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  reserve(request: ReservationRequest, priority: CallPriority): Promise<Reservation> {
    return new Promise((resolve, reject) => {
      this.gathered.push({ ...request, resolve, reject });
      if (!this.window) {
        this.send();
        this.open();
      } else if (priority === "write") this.send();
    });
  }

  private open(): void {
    this.window = setTimeout(() => {
      this.window = undefined;
      if (this.gathered.length > 0) {
        this.send();
        this.open();
      }
    }, GATHER_MS);
  }

  private send(): void {
    const batch = this.gathered;
    this.gathered = [];
    if (batch.length === 1) {
      const [one] = batch;
      reserveCalls(this.db, one.account, one.want, one.limit, WINDOW_SECONDS).then(one.resolve, one.reject);
      return;
    }
    reserveCallsTogether(this.db, batch, WINDOW_SECONDS).then(
      (answers) => {
        for (const [i, asked] of batch.entries()) asked.resolve(answers[i]);
      },
      (error) => {
        for (const asked of batch) asked.reject(error);
      },
    );
  }
}

class SharedBudget implements CallBudget {
  private left = 0;
  private lapsesAt = 0;
  private reserving = false;
  /** Exactly as long as it is: a pushed-to array grows 17 slots at once, and each account's budget has one listener. */
  private listeners: ReadonlyArray<() => void> = [];

  constructor(
    private readonly reservations: Reservations,
    private readonly account: string,
    private readonly requestsPerMinute: () => number,
    private readonly logger: Logger,
  ) {}

  take(priority: CallPriority): boolean {
    if (this.left > 0 && Date.now() < this.lapsesAt) {
      this.left--;
      return true;
    }
    this.reserve(priority);
    return false;
  }

  onRefill(listener: () => void): void {
    this.listeners = [...this.listeners, listener];
  }

  private reserve(priority: CallPriority): void {
    if (this.reserving) return;
    this.reserving = true;
    const limit = Math.max(1, Math.floor((this.requestsPerMinute() / WINDOWS_PER_MINUTE) * (WINDOWS_PER_MINUTE / WINDOWS_SEEN)));
    const want = Math.max(1, Math.ceil(limit / CHUNK_PART));
    this.reservations
      .reserve({ account: this.account, want, limit }, priority)
      .then(({ granted, windowLeftMs }) => {
        this.reserving = false;
        if (granted > 0) {
          this.left = granted;
          this.lapsesAt = Date.now() + windowLeftMs;
          this.refilled();
        } else {
          // This window is spent (by all replicas together): the next one opens then.
          setTimeout(() => this.refilled(), windowLeftMs + 5);
        }
      })
      .catch((error) => {
        this.reserving = false;
        this.logger.warn({ err: error }, "could not reserve calls from the account's shared budget; trying again");
        setTimeout(() => this.refilled(), RETRY_MS);
      });
  }

  private refilled(): void {
    for (const listener of this.listeners) listener();
  }
}

/** The budgets of this replica, one per pacer key (kept as a digest: the table holds no address). */
export function sharedBudgets(db: Db, logger: Logger): (key: string, requestsPerMinute: () => number) => CallBudget {
  const reservations = new Reservations(db);
  return (key, requestsPerMinute) => {
    const account = createHash("sha256").update(key).digest("base64url");
    return new SharedBudget(reservations, account, requestsPerMinute, logger);
  };
}
