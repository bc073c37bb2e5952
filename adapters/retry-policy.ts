import type { AdapterError } from "./types.js";
import { RateLimited } from "./types.js";

export interface RetryPolicy {
  /** Tries per call, the first included. The engine does the longer backoff. */
  maxAttempts: number;
  /** First backoff; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for here: the error goes to the engine. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };

/**
 * The wait before another try, or undefined when the error should go up:
 * not retryable, out of attempts, or told to wait longer than we hold a caller.
 */
export function retryDelayMs(error: AdapterError, attempt: number, policy: RetryPolicy): number | undefined {
  if (!error.retryable || attempt >= policy.maxAttempts) return undefined;
  if (error instanceof RateLimited && error.retryAfterMs !== undefined) {
    return error.retryAfterMs <= policy.maxDelayMs ? error.retryAfterMs : undefined;
  }
  // "Equal jitter": half the exponential step fixed, half random, so retries of a burst spread out.
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}
