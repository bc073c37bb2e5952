// Pacing per calendar account (R17), for any provider: a rate, optionally a
// number of calls in flight (Outlook allows about four per mailbox), and a
// hold when the server says to wait (Retry-After).
export type CallPriority = "write" | "read";

/** Time as the pacer sees it: the real clock by default, a simulated one in tests. */
export interface PacerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: PacerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * At high rates timers fire late; a bucket this many milliseconds deep lets the
 * pacer catch up in one tick without letting any window see more than its
 * share plus this much.
 */
const BURST_MS = 20;

/**
 * Calls shared with other processes pacing the same account (several
 * replicas): each call also takes one from the budget. `take` answers from
 * what this process reserved, without waiting; when it says no, the budget
 * calls `onRefill`'s listener once there may be more.
 */
export interface CallBudget {
  /** `priority`: the call's; a write's reservation never waits to be sent with others. */
  take(priority: CallPriority): boolean;
  onRefill(listener: () => void): void;
}

interface Waiter {
  grant: () => void;
  /** When it asked (the clock's time), for the wait it is told about. */
  asked: number;
  /** Holds one of the calls-in-flight slots until released (run), or only a rate slot (acquire). */
  inFlight: boolean;
}

/**
 * Keeps the calls to one account under a rate: callers wait for a slot
 * instead of collecting 403s and 429s. A token bucket, refilled at
 * requestsPerMinute and at most BURST_MS of calls deep (one call at ordinary
 * rates), so a window of W ms never sees more than rate·(W + BURST_MS) calls.
 * Waiting writes always get the next slot before waiting reads, so polls of
 * many calendars cannot starve the changes. With `maxInFlight`, calls made
 * through `run` also wait while that many are unanswered.
 */
export class Pacer {
  private ratePerMs = 0;
  private capacity = 1;
  private tokens = 1;
  private refilledAt: number;
  private heldUntil = 0;
  private inFlight = 0;
  private timer: unknown;
  private readonly waiting: Record<CallPriority, Waiter[]> = { write: [], read: [] };
  private budget: CallBudget | null = null;
  /** Callers waiting for room in a queue (room), first come first served. */
  private roomWaiters: Array<{ priority: CallPriority; depth: number; resolve: () => void }> = [];
  /** Let in by room and not come yet (each call that joins the queue counts as one of them); forgotten after a macrotask. */
  private readonly admitted: Record<CallPriority, number> = { write: 0, read: 0 };

  constructor(
    requestsPerMinute: number,
    private readonly clock: PacerClock = realClock,
    private readonly maxInFlight = Number.POSITIVE_INFINITY,
    /** Told how long each call waited for its slot (milliseconds): the pacer wait metric. */
    private readonly onWait?: (priority: CallPriority, ms: number) => void,
  ) {
    this.refilledAt = clock.now();
    this.setRequestsPerMinute(requestsPerMinute);
  }

  setRequestsPerMinute(requestsPerMinute: number): void {
    if (!(requestsPerMinute > 0)) throw new RangeError("requestsPerMinute must be positive");
    this.refill();
    this.ratePerMs = requestsPerMinute / 60_000;
    this.capacity = Math.max(1, this.ratePerMs * BURST_MS);
    this.tokens = Math.min(this.tokens, this.capacity);
    // A wait computed at the old rate may now be too long (or too short).
    this.rearm();
  }

  /** From now on every call also takes one from `budget` (the account's, shared by the replicas). */
  shareBudget(budget: CallBudget): void {
    this.budget = budget;
    budget.onRefill(() => this.pump());
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.write.length + this.waiting.read.length;
  }

  /** Calls made through `run` that have not been answered yet. */
  get running(): number {
    return this.inFlight;
  }

  /** Resolves when the caller may send its request (a rate slot only). */
  acquire(priority: CallPriority): Promise<void> {
    return new Promise((grant) => this.enqueue(priority, { grant, inFlight: false, asked: this.clock.now() }));
  }

  /** Runs `call` once a rate slot and a calls-in-flight slot are free; the latter is held until it settles. */
  async run<T>(priority: CallPriority, call: () => Promise<T>): Promise<T> {
    await new Promise<void>((grant) => this.enqueue(priority, { grant, inFlight: true, asked: this.clock.now() }));
    try {
      return await call();
    } finally {
      this.inFlight--;
      this.pump();
    }
  }

  /**
   * Resolves once fewer than `depth` calls of `priority` wait (undefined: now,
   * nobody being ahead): for work that would only join a long queue, and can
   * begin later without holding anything meanwhile. Those let in count as
   * queued until their calls join the queue (within the macrotask), so no
   * more than the depth go in at once; one that never comes is forgotten
   * after it.
   */
  room(priority: CallPriority, depth: number): Promise<void> | undefined {
    if (this.roomWaiters.length === 0 && this.waiting[priority].length + this.admitted[priority] < depth) {
      this.admit(priority);
      return undefined;
    }
    return new Promise((resolve) => this.roomWaiters.push({ priority, depth, resolve }));
  }

  /** The server asked to wait (Retry-After): no call of this account starts for `ms`. */
  hold(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.heldUntil) return;
    this.heldUntil = until;
    this.rearm();
  }

  private enqueue(priority: CallPriority, waiter: Waiter): void {
    if (this.admitted[priority] > 0) this.admitted[priority]--;
    this.waiting[priority].push(waiter);
    this.pump();
  }

  private rearm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
  }

  private next(): Waiter | undefined {
    return this.waiting.write[0] ?? this.waiting.read[0];
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    this.refill();
    const held = this.heldUntil - this.clock.now();
    if (held > 0) {
      if (this.queued > 0) this.schedule(held);
      return;
    }
    for (let waiter = this.next(); waiter && this.tokens >= 1; waiter = this.next()) {
      // The queue keeps its order: the first waiter for a calls-in-flight slot holds up those behind it.
      if (waiter.inFlight && this.inFlight >= this.maxInFlight) return;
      const priority: CallPriority = this.waiting.write.length ? "write" : "read";
      // The shared budget is out for now: it pumps again when refilled.
      if (this.budget && !this.budget.take(priority)) return;
      this.tokens -= 1;
      const queue = this.waiting[priority];
      queue.shift();
      // A drained queue keeps its grown backing store (17 slots, 152 bytes): 10,000 idle accounts each had two.
      if (queue.length === 0) this.waiting[priority] = [];
      if (waiter.inFlight) this.inFlight++;
      this.onWait?.(priority, this.clock.now() - waiter.asked);
      waiter.grant();
    }
    this.letIn();
    if (this.queued === 0) return;
    this.schedule(Math.ceil((1 - this.tokens) / this.ratePerMs));
  }

  private letIn(): void {
    for (let next = this.roomWaiters[0]; next; next = this.roomWaiters[0]) {
      if (this.waiting[next.priority].length + this.admitted[next.priority] >= next.depth) return;
      this.roomWaiters.shift();
      // As the queues' (pump): 372 bytes of grown backing store for each of 10,000 accounts otherwise (heap snapshot).
      if (this.roomWaiters.length === 0) this.roomWaiters = [];
      this.admit(next.priority);
      next.resolve();
    }
  }

  private admit(priority: CallPriority): void {
    if (this.admitted[priority] === 0) {
      // Those let in that did not come (their caller went elsewhere) must not keep others out.
      this.clock.setTimeout(() => {
        this.admitted[priority] = 0;
        this.letIn();
      }, 0);
    }
    this.admitted[priority]++;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, ms);
  }
}
