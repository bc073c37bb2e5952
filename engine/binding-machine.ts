// One actor per operator–calendar binding (R16). The machine only orchestrates:
// what to do lives in BindingSync and the planner.
import { assign, fromPromise, setup } from "xstate";
import { AdapterError, AuthRevoked, NotFound, Permanent, RateLimited, SyncTokenExpired } from "../adapters/types";
import { ConfigurationError, WATCH_RENEW_MS, type BindingSync, type SyncMode, type SyncOutcome } from "./binding-sync";

export type ActorState = "authorizing" | "initialImport" | "incremental" | "backoff" | "error" | "paused";

export interface ActorError {
  code: string;
  message: string;
  at: string;
}

export interface BindingMachineInput {
  sync: BindingSync;
  pollMs: number;
  /** First backoff delay; doubles per consecutive failure up to `backoffMaxMs`. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  startPaused?: boolean;
}

interface Context {
  sync: BindingSync;
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
  /** Whether the running pass pulls; CRM changes alone cost only their writes. */
  passPulls: boolean;
  /** Passes run back to back; bounded so a flapping calendar cannot spin. */
  streak: number;
  /** Expiry of a push channel that has proven to deliver; polling is then a backstop. */
  channelExpiresAt: number | null;
  /** When the last pull began: push-only passes for CRM changes must not put the next poll off. */
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
  | { type: "RESYNC" };

const MAX_STREAK = 5;

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

/** Faults an administrator must fix; retrying will not help. */
export function isPermanentFault(error: unknown): boolean {
  if (error instanceof SyncTokenExpired) return false;
  // Whatever the provider says cannot succeed on retry (revoked access, no permission, a URL that is not there).
  return error instanceof ConfigurationError || (error instanceof AdapterError && !error.retryable);
}

export function describeFault(error: unknown): { code: string; message: string } {
  if (error instanceof ConfigurationError) return { code: error.code, message: error.message };
  if (error instanceof AuthRevoked) {
    return {
      code: "auth_revoked",
      message:
        "The calendar account refused its credentials (authorization revoked or expired, or a wrong password): for Google, authorize again and save the new refresh token; for CalDAV, check the operator's user name and (app) password.",
    };
  }
  if (error instanceof Permanent) {
    return { code: "permission", message: `The calendar refused the request: ${error.message}. Check that the account may manage this calendar.` };
  }
  if (error instanceof NotFound) {
    return { code: "not_found", message: `The calendar server answered "not found": ${error.message}. Check the account's URL (CalDAV) or that the calendar still exists.` };
  }
  if (error instanceof AdapterError) return { code: error.code, message: error.message };
  return { code: "internal", message: error instanceof Error ? error.message : String(error) };
}

export function backoffDelay(failures: number, baseMs: number, maxMs: number, retryAfterMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  // Half fixed, half random: spreads retries of many actors without ever retrying at once.
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(jittered, retryAfterMs);
}

/** The error an invoked actor failed with (XState types the event as the machine's own events here). */
const errorOf = (event: unknown): unknown => (event as { error?: unknown }).error;
/** The outcome a finished sync pass gave (same reason). */
const outputOf = (event: unknown): SyncOutcome => (event as { output: SyncOutcome }).output;

export const bindingMachine = setup({
  types: {
    context: {} as Context,
    input: {} as BindingMachineInput,
    events: {} as BindingEvent,
  },
  actors: {
    authorize: fromPromise<{ hasSyncToken: boolean }, { sync: BindingSync }>(({ input }) => input.sync.authorize()),
    importAll: fromPromise<SyncOutcome, { sync: BindingSync }>(({ input }) => input.sync.sync("full")),
    syncChanges: fromPromise<SyncOutcome, { sync: BindingSync; mode: SyncMode }>(({ input }) => input.sync.sync(input.mode)),
  },
  delays: {
    pollDelay: ({ context }) => pollDelay(context.pollMs, context.channelExpiresAt, context.lastPullAt, Date.now()),
    backoffDelay: ({ context }) => backoffDelay(context.failures, context.backoffBaseMs, context.backoffMaxMs, context.retryAfterMs),
  },
  guards: {
    permanent: ({ event }) => isPermanentFault(errorOf(event)),
    tokenExpired: ({ event }) => errorOf(event) instanceof SyncTokenExpired,
  },
  actions: {
    /** A pass finished: faults are behind us, and it says whether a push channel works. */
    passDone: assign(({ event }) => ({ failures: 0, retryAfterMs: 0, lastError: null, channelExpiresAt: outputOf(event).channelExpiresAt })),
    failed: assign(({ context, event }) => {
      const error = errorOf(event);
      return {
        failures: context.failures + 1,
        retryAfterMs: error instanceof RateLimited ? (error.retryAfterMs ?? 0) : 0,
        lastError: { ...describeFault(error), at: new Date().toISOString() },
      };
    }),
  },
}).createMachine({
  id: "binding",
  context: ({ input }) => ({
    sync: input.sync,
    pollMs: input.pollMs,
    backoffBaseMs: input.backoffBaseMs ?? 1_000,
    backoffMaxMs: input.backoffMaxMs ?? 300_000,
    failures: 0,
    retry: "authorizing",
    fullImport: false,
    pullNeeded: true,
    pushNeeded: false,
    passPulls: true,
    streak: 0,
    channelExpiresAt: null,
    lastPullAt: 0,
    retryAfterMs: 0,
    lastError: null,
    startPaused: input.startPaused ?? false,
  }),
  initial: "starting",
  on: {
    PAUSE: ".paused",
    RESTART: { target: ".authorizing", actions: assign({ failures: 0, retryAfterMs: 0, lastError: null }) },
    RESYNC: { target: ".authorizing", actions: assign({ fullImport: true }) },
  },
  states: {
    starting: {
      always: [{ guard: ({ context }) => context.startPaused, target: "paused" }, { target: "authorizing" }],
    },
    authorizing: {
      entry: assign({ retry: "authorizing" }),
      invoke: {
        src: "authorize",
        input: ({ context }) => ({ sync: context.sync }),
        onDone: [
          {
            guard: ({ context, event }) => event.output.hasSyncToken && !context.fullImport,
            target: "incremental",
            actions: assign({ pullNeeded: true }),
          },
          { target: "initialImport" },
        ],
        onError: [
          { guard: "permanent", target: "error", actions: "failed" },
          { target: "backoff", actions: "failed" },
        ],
      },
    },
    initialImport: {
      entry: assign({ retry: "initialImport", lastPullAt: () => Date.now() }),
      on: {
        CRM_CHANGED: { actions: assign({ pushNeeded: true }) },
        SYNC_NOW: { actions: assign({ pullNeeded: true }) },
        WEBHOOK: { actions: assign({ pullNeeded: true }) },
      },
      invoke: {
        src: "importAll",
        input: ({ context }) => ({ sync: context.sync }),
        onDone: {
          target: "incremental",
          actions: [assign(({ event }) => ({ fullImport: false, pullNeeded: event.output.again })), "passDone"],
        },
        onError: [
          { guard: "permanent", target: "error", actions: "failed" },
          { target: "backoff", actions: "failed" },
        ],
      },
    },
    incremental: {
      entry: assign({ retry: "incremental" }),
      initial: "deciding",
      states: {
        deciding: {
          always: [{ guard: ({ context }) => context.pullNeeded || context.pushNeeded, target: "syncing" }, { target: "idle" }],
        },
        idle: {
          entry: assign({ streak: 0 }),
          after: { pollDelay: { target: "syncing", actions: assign({ pullNeeded: true }) } },
          on: {
            CRM_CHANGED: "syncing",
            SYNC_NOW: { target: "syncing", actions: assign({ pullNeeded: true }) },
            WEBHOOK: { target: "syncing", actions: assign({ pullNeeded: true }) },
          },
        },
        syncing: {
          // Entry runs before the invoke reads its input.
          entry: assign(({ context }) => ({
            passPulls: context.pullNeeded,
            pullNeeded: false,
            pushNeeded: false,
            streak: context.streak + 1,
            lastPullAt: context.pullNeeded ? Date.now() : context.lastPullAt,
          })),
          on: {
            CRM_CHANGED: { actions: assign({ pushNeeded: true }) },
            SYNC_NOW: { actions: assign({ pullNeeded: true }) },
            WEBHOOK: { actions: assign({ pullNeeded: true }) },
          },
          invoke: {
            src: "syncChanges",
            input: ({ context }) => ({ sync: context.sync, mode: context.passPulls ? "changes" : "push" }),
            onDone: [
              {
                // A race (stale etag, vanished event): pull and try again, a bounded number of times.
                guard: ({ context, event }) => event.output.again && context.streak < MAX_STREAK,
                target: "syncing",
                reenter: true,
                actions: [assign({ pullNeeded: true }), "passDone"],
              },
              {
                guard: ({ context }) => context.pullNeeded || context.pushNeeded,
                target: "syncing",
                reenter: true,
                actions: "passDone",
              },
              { target: "idle", actions: "passDone" },
            ],
            onError: [
              { guard: "tokenExpired", target: "#binding.initialImport", actions: assign({ fullImport: true }) },
              { guard: "permanent", target: "#binding.error", actions: "failed" },
              { target: "#binding.backoff", actions: "failed" },
            ],
          },
        },
      },
    },
    backoff: {
      after: {
        backoffDelay: [
          { guard: ({ context }) => context.retry === "initialImport", target: "initialImport" },
          { guard: ({ context }) => context.retry === "incremental", target: "incremental", actions: assign({ pullNeeded: true }) },
          { target: "authorizing" },
        ],
      },
    },
    error: {},
    paused: {
      on: {
        RESUME: "authorizing",
        RESYNC: { actions: assign({ fullImport: true }) },
      },
    },
  },
});
