// Failed sign-ins counted per client address: after `attempts` failures
// within `windowMs`, that address is refused (429) until the oldest of them
// leaves the window, so guessing runs at `attempts` tries per window at most.
// In memory, per process: a restart forgets, and several processes count
// apart. The address is the socket's: behind a reverse proxy every client is
// the proxy's address, so they share one count (X-Forwarded-For is not trusted).
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

export interface SignInThrottleOptions {
  /** Failures allowed within the window; the next attempt is refused. Default 10. */
  attempts?: number;
  /** Default one minute. */
  windowMs?: number;
  /** Addresses remembered at most; the oldest is forgotten first. Default 10,000. */
  maxAddresses?: number;
  /** Tests move time by hand. */
  now?: () => number;
}

export class SignInThrottle {
  private readonly attempts: number;
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  /** Address → times of its recent failures, oldest first; at most `attempts` of them. */
  private readonly failures = new Map<string, number[]>();

  constructor(options: SignInThrottleOptions = {}) {
    this.attempts = options.attempts ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** How long `address` must wait before it may try again; 0 when it may now. */
  waitMs(address: string): number {
    const times = this.recent(address);
    return times.length < this.attempts ? 0 : times[0] + this.windowMs - this.now();
  }

  fail(address: string): void {
    const times = this.recent(address);
    times.push(this.now());
    if (times.length > this.attempts) times.shift();
    // Re-inserted, so the map's order is least recently failed first.
    this.failures.delete(address);
    if (this.failures.size >= this.maxAddresses) this.forgetOldest();
    this.failures.set(address, times);
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    const times = (this.failures.get(address) ?? []).filter((at) => at > since);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }

  private forgetOldest() {
    const since = this.now() - this.windowMs;
    for (const [address, times] of this.failures) {
      if (times[times.length - 1] <= since) this.failures.delete(address);
    }
    if (this.failures.size >= this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }
}

/** The peer address of the request's socket; requests made in process (app.request) have none and share one. */
export function clientAddress(c: Context): string {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.remoteAddress ?? "in-process";
}
