// When an actor runs its next pass: the poll (R14, R17) and the backoff (R16), as pure functions.
import { WATCH_RENEW_MS } from "./binding-sync.js";

/** With a working push channel, the calendar is polled this many times less often. */
export const BACKSTOP_FACTOR = 10;

/**
 * Time until the next poll, counted from the last pull. A proven push channel
 * makes polling a rare backstop (R17), but a pass still comes before the
 * channel needs renewing.
 */
export function pollDelay(pollMs: number, channelExpiresAt: number | null, lastPullAt: number, now: number): number {
  const interval =
    channelExpiresAt === null ? pollMs : Math.max(pollMs, Math.min(pollMs * BACKSTOP_FACTOR, channelExpiresAt - WATCH_RENEW_MS / 2 - lastPullAt));
  return Math.max(0, lastPullAt + interval - now);
}

export function backoffDelay(failures: number, baseMs: number, maxMs: number, retryAfterMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  // Half fixed, half random: spreads retries of many actors without ever retrying at once.
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(jittered, retryAfterMs);
}
