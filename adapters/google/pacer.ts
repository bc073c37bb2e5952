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
 * Keeps the calls to one Google account under a rate (SPEC R17): callers wait
 * for a slot instead of collecting 403s. A token bucket, refilled at
 * requestsPerMinute and at most BURST_MS of calls deep (one call at ordinary
 * rates), so a window of W ms never sees more than rate·(W + BURST_MS) calls.
 * Waiting writes always get the next slot before waiting reads, so polls of
 * many calendars cannot starve the changes.
 */
export class Pacer {
  private ratePerMs = 0;
  private capacity = 1;
  private tokens = 1;
  private refilledAt: number;
  private timer: unknown;
  private readonly waiting: Record<CallPriority, (() => void)[]> = { write: [], read: [] };

  constructor(
    requestsPerMinute: number,
    private readonly clock: PacerClock = realClock,
    /** Told how long each call waited for its slot (milliseconds). */
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
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.write.length + this.waiting.read.length;
  }

  /** Resolves when the caller may send its request. */
  acquire(priority: CallPriority): Promise<void> {
    const asked = this.clock.now();
    return new Promise((resolve) => {
      const onWait = this.onWait;
      this.waiting[priority].push(
        onWait
          ? () => {
              onWait(priority, this.clock.now() - asked);
              resolve();
            }
          : resolve,
      );
      this.pump();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
  }

  private pump(): void {
    if (this.timer !== undefined) return;
    this.refill();
    while (this.queued > 0 && this.tokens >= 1) {
      this.tokens -= 1;
      (this.waiting.write.shift() ?? this.waiting.read.shift())!();
    }
    if (this.queued === 0) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.ceil((1 - this.tokens) / this.ratePerMs),
    );
  }
}
