// What a binding actor holds and hears: its context (plain data only), its
// input, its events, and what it needs from the world (supplied once).
import type { SyncOutcome } from "./binding-sync.js";
import type { PassMode } from "./pass.js";
import type { PollReport } from "./routine-polls.js";

export interface ActorError {
  code: string;
  message: string;
  at: string;
}

export interface BindingMachineInput {
  bindingId: string;
  pollMs: number;
  /** First backoff delay; doubles per consecutive failure up to `backoffMaxMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  startPaused?: boolean;
}

/** Timers as XState's clock has them (its SimulatedClock is one). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** What the machine needs from the world; the supervisor supplies it once, tests supply stubs. */
export interface BindingMachineImplementation {
  authorize(bindingId: string, signal: AbortSignal): Promise<{ hasSyncToken: boolean }>;
  runPass(bindingId: string, mode: PassMode, retryFailures: boolean, signal: AbortSignal): Promise<SyncOutcome>;
  /**
   * When a routine poll may begin (undefined: now): the provider's pace may
   * be short. Absent: always now.
   */
  pollTurn?(bindingId: string): Promise<void> | undefined;
  /** Epoch milliseconds (the clock the actor's timers run on). */
  now(): number;
  /** The timers routine polls wait on (RoutinePolls); real ones by default, the actor's simulated clock in tests. */
  timers?: Timers;
  /** For the backoff's jitter; Math.random by default. */
  random?(): number;
}

export interface Context {
  bindingId: string;
  pollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive failures, for the backoff delay. */
  failures: number;
  /** Where to go back to after a backoff. */
  retry: "authorizing" | "initialImport" | "incremental";
  /** The next pass must be a full import (resync, or an expired sync token). */
  fullImport: boolean;
  /** Calendar changes may be waiting (poll, push notice, sync request, a race): the next pass pulls. */
  pullNeeded: boolean;
  /** A CRM change arrived while busy: another pass pushes it. */
  pushNeeded: boolean;
  /** Failed items are to be tried again by the next pass (restart, retry-failures). */
  retryFailures: boolean;
  /** What the running pass does. */
  passPulls: boolean;
  passRetries: boolean;
  /** Passes run back to back; bounded so a flapping calendar cannot spin. */
  streak: number;
  /** Expiry of a push channel that has proven to deliver; polling is then a backstop. */
  channelExpiresAt: number | null;
  /** When the last pull listed the calendar (its pass began, and the listing waited its turn): push-only passes for CRM changes must not put the next poll off. */
  lastPullAt: number;
  retryAfterMs: number;
  lastError: ActorError | null;
  startPaused: boolean;
}

export type BindingEvent =
  | { type: "CRM_CHANGED" }
  | { type: "SYNC_NOW" }
  | { type: "WEBHOOK" }
  | { type: "PAUSE" }
  | { type: "RESUME" }
  | { type: "RESTART" }
  | { type: "RESYNC" }
  | { type: "RETRY_FAILURES" }
  /** What the routine poller of an idle actor reports. */
  | PollReport
  /** The binding's configuration changed (credentials, calendar, display, settings): sign in and look again. */
  | { type: "CONFIG_CHANGED"; pollMs: number }
  /** Another binding on the same credential found it refused (revoked, expired): wait in `error` too, until it is replaced. */
  | { type: "CREDENTIAL_REFUSED"; error: ActorError };
