// One actor per operator–calendar binding (R16). The machine only
// orchestrates: its I/O (authorize, run a pass) and its clock are supplied
// with `bindingMachineWith`, so it runs alone in tests with stub actors and a
// simulated clock. While idle, its routine polls run beside it
// (routine-polls.ts) and it hears only what it acts on. Context holds plain
// data only.
import { type Actor, assign, enqueueActions, fromPromise, setup } from "xstate";
import { RateLimited, SyncTokenExpired } from "../adapters/types.js";
import type { BindingEvent, BindingMachineImplementation, BindingMachineInput, Context } from "./binding-context.js";
import type { SyncOutcome } from "./binding-sync.js";
import { describeFault, isPermanentFault } from "./faults.js";
import type { PassMode } from "./pass.js";
import { haltRoutinePoll, RoutinePolls } from "./routine-polls.js";
import { backoffDelay } from "./timing.js";

const MAX_STREAK = 5;

/** The error an invoked actor failed with (XState types the event as the machine's own events here). */
const errorOf = (event: unknown): unknown => (event as { error?: unknown }).error;
/** The outcome a finished sync pass gave (same reason). */
const outputOf = (event: unknown): SyncOutcome => (event as { output: SyncOutcome }).output;

const unsupplied = (what: string) => () => {
  throw new Error(`the binding machine runs with bindingMachineWith(): ${what} is not supplied`);
};

/** Where a failed incremental pass or poll leads (the event carries its error). */
const passFailed = [
  { guard: "tokenExpired", target: "#binding.initialImport", actions: "importAgain" },
  { guard: "permanent", target: "#binding.error", actions: "failed" },
  { target: "#binding.backoff", actions: "failed" },
] as const;

const machine = setup({
  types: {
    context: {} as Context,
    input: {} as BindingMachineInput,
    events: {} as BindingEvent,
  },
  actors: {
    authorize: fromPromise<{ hasSyncToken: boolean }, { bindingId: string }>(unsupplied("authorize")),
    runPass: fromPromise<SyncOutcome, { bindingId: string; mode: PassMode; retryFailures: boolean }>(unsupplied("runPass")),
  },
  delays: {
    backoffDelay: unsupplied("the clock"),
  },
  guards: {
    permanent: ({ event }) => isPermanentFault(errorOf(event)),
    tokenExpired: ({ event }) => errorOf(event) instanceof SyncTokenExpired,
  },
  actions: {
    /** Routine polls while idle run beside the machine (RoutinePolls, supplied): start them, stop them, tell them an event came. */
    startPolling: unsupplied("the routine polls"),
    stopPolling: unsupplied("the routine polls"),
    nudgePoller: unsupplied("the routine polls"),
    /** Record that a pull begins now (the clock is supplied). */
    pullStarted: unsupplied("the clock"),
    /** A fault: count it, remember what to wait and what to tell the administrator (the clock is supplied). */
    failed: unsupplied("the clock"),
    /** The sync token expired (410): the next pass imports the calendar whole. */
    importAgain: assign({ fullImport: true }),
    /** A pass finished: faults are behind us, it says whether a push channel works, and when its poll listed the calendar. */
    passDone: assign(({ context, event }) => {
      const { channelExpiresAt, listedAfterMs } = outputOf(event);
      return { failures: 0, retryAfterMs: 0, lastError: null, channelExpiresAt, lastPullAt: context.lastPullAt + (listedAfterMs ?? 0) };
    }),
  },
}).createMachine({
  id: "binding",
  context: ({ input }) => ({
    bindingId: input.bindingId,
    pollMs: input.pollMs,
    backoffBaseMs: input.backoffBaseMs ?? 1_000,
    backoffMaxMs: input.backoffMaxMs ?? 300_000,
    failures: 0,
    retry: "authorizing",
    fullImport: false,
    pullNeeded: true,
    pushNeeded: false,
    retryFailures: false,
    passPulls: true,
    passRetries: false,
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
    // Leaving a state stops its invoked pass (its signal aborts): passes never overlap.
    RESTART: { target: ".authorizing", actions: assign({ failures: 0, retryAfterMs: 0, lastError: null, retryFailures: true }) },
    RESYNC: { target: ".authorizing", actions: assign({ fullImport: true }) },
    RETRY_FAILURES: { actions: assign({ retryFailures: true, pushNeeded: true }) },
    CONFIG_CHANGED: {
      target: ".authorizing",
      actions: assign(({ event }) => ({ pollMs: event.pollMs, failures: 0, retryAfterMs: 0, lastError: null })),
    },
    // Leaving a state stops its pass: nothing more is tried on a credential known to be refused.
    CREDENTIAL_REFUSED: { target: ".error", actions: assign(({ context, event }) => ({ failures: context.failures + 1, lastError: event.error })) },
  },
  states: {
    starting: {
      always: [{ guard: ({ context }) => context.startPaused, target: "paused" }, { target: "authorizing" }],
    },
    authorizing: {
      entry: assign({ retry: "authorizing" }),
      invoke: {
        src: "authorize",
        input: ({ context }) => ({ bindingId: context.bindingId }),
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
      entry: [assign({ retry: "initialImport" }), "pullStarted"],
      on: {
        CRM_CHANGED: { actions: assign({ pushNeeded: true }) },
        SYNC_NOW: { actions: assign({ pullNeeded: true }) },
        WEBHOOK: { actions: assign({ pullNeeded: true }) },
      },
      invoke: {
        src: "runPass",
        input: ({ context }) => ({ bindingId: context.bindingId, mode: "full" as const, retryFailures: context.retryFailures }),
        onDone: {
          target: "incremental",
          actions: [assign(({ event }) => ({ fullImport: false, retryFailures: false, pullNeeded: event.output.again })), "passDone"],
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
          always: [
            { guard: ({ context }) => context.pullNeeded || context.pushNeeded || context.retryFailures, target: "syncing" },
            { target: "idle" },
          ],
        },
        // Routine polls run beside the machine (RoutinePolls): it hears only what it acts on. An event before
        // the poll began takes over at once (POLL_GO, pulling too if the poll was due); one while it runs is
        // noted, and acted on when the poll ends (POLLED), so passes never overlap.
        idle: {
          entry: [assign({ streak: 0 }), "startPolling"],
          exit: "stopPolling",
          on: {
            CRM_CHANGED: { actions: [assign({ pushNeeded: true }), "nudgePoller"] },
            SYNC_NOW: { actions: [assign({ pullNeeded: true }), "nudgePoller"] },
            WEBHOOK: { actions: [assign({ pullNeeded: true }), "nudgePoller"] },
            RETRY_FAILURES: { actions: [assign({ retryFailures: true }), "nudgePoller"] },
            POLL_GO: {
              target: "syncing",
              actions: assign(({ context, event }) => ({
                pullNeeded: context.pullNeeded || event.pull,
                lastPullAt: event.lastPullAt,
                channelExpiresAt: event.channelExpiresAt,
              })),
            },
            POLLED: {
              target: "deciding",
              actions: assign(({ context, event }) => ({
                pullNeeded: context.pullNeeded || event.output.again,
                lastPullAt: event.lastPullAt,
                channelExpiresAt: event.output.channelExpiresAt,
              })),
            },
            POLL_FAILED: passFailed,
          },
        },
        syncing: {
          // Entry runs before the invoke reads its input.
          entry: [
            assign(({ context }) => ({
              passPulls: context.pullNeeded,
              passRetries: context.retryFailures,
              pullNeeded: false,
              pushNeeded: false,
              retryFailures: false,
              streak: context.streak + 1,
            })),
            // Only pulling passes count for the poll timer: a stream of CRM changes must not put the poll off.
            enqueueActions(({ context, enqueue }) => {
              if (context.passPulls) enqueue("pullStarted");
            }),
          ],
          on: {
            CRM_CHANGED: { actions: assign({ pushNeeded: true }) },
            SYNC_NOW: { actions: assign({ pullNeeded: true }) },
            WEBHOOK: { actions: assign({ pullNeeded: true }) },
          },
          invoke: {
            src: "runPass",
            input: ({ context }) => ({
              bindingId: context.bindingId,
              mode: context.passPulls ? ("changes" as const) : ("push" as const),
              retryFailures: context.passRetries,
            }),
            onDone: [
              {
                // A race it could not settle (an event changing as we write it): pull and try again, a bounded number of times.
                guard: ({ context, event }) => event.output.again && context.streak < MAX_STREAK,
                target: "syncing",
                reenter: true,
                actions: [assign({ pullNeeded: true }), "passDone"],
              },
              {
                guard: ({ context }) => context.pullNeeded || context.pushNeeded || context.retryFailures,
                target: "syncing",
                reenter: true,
                actions: "passDone",
              },
              { target: "idle", actions: "passDone" },
            ],
            onError: passFailed,
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
        // Paused stays paused; resuming signs in again and finds out.
        CREDENTIAL_REFUSED: {},
        RESUME: "authorizing",
        RESYNC: { actions: assign({ fullImport: true }) },
        CONFIG_CHANGED: { actions: assign(({ event }) => ({ pollMs: event.pollMs })) },
      },
    },
  },
});

/** The binding machine with its I/O and clock supplied (once per supervisor, or per test). */
export function bindingMachineWith(impl: BindingMachineImplementation) {
  const random = impl.random ?? Math.random;
  const polls = new RoutinePolls(impl);
  return machine.provide({
    actors: {
      authorize: fromPromise(({ input, signal }) => impl.authorize(input.bindingId, signal)),
      runPass: fromPromise(({ input, signal }) => impl.runPass(input.bindingId, input.mode, input.retryFailures, signal)),
    },
    delays: {
      backoffDelay: ({ context }) => backoffDelay(context.failures, context.backoffBaseMs, context.backoffMaxMs, context.retryAfterMs, random),
    },
    actions: {
      startPolling: ({ context, self }) => {
        const { bindingId, pollMs, lastPullAt, channelExpiresAt } = context;
        polls.start(self, { bindingId, pollMs, lastPullAt, channelExpiresAt });
      },
      stopPolling: ({ self }) => polls.stop(self),
      nudgePoller: ({ self }) => polls.nudge(self),
      pullStarted: assign({ lastPullAt: () => impl.now() }),
      failed: assign(({ context, event }) => {
        const error = errorOf(event);
        return {
          failures: context.failures + 1,
          retryAfterMs: error instanceof RateLimited ? (error.retryAfterMs ?? 0) : 0,
          lastError: { ...describeFault(error), at: new Date(impl.now()).toISOString() },
        };
      }),
    },
  });
}

export type BindingMachine = ReturnType<typeof bindingMachineWith>;

/**
 * Stops a binding actor, a root one or a child (whose stop() is its
 * parent's to call: the stop event does what stop() does for either). A
 * routine poll in flight is aborted with it, as a pass in flight is.
 */
export function stopBindingActor(actor: Actor<BindingMachine>): void {
  actor.send({ type: "xstate.stop" } as unknown as BindingEvent);
  haltRoutinePoll(actor);
}
