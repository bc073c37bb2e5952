// The routine polls of idle actors, run beside the machine rather than
// through it. At 10,000 bindings polling every minute the routine poll is the
// engine's most frequent event (about 167 a second), and as machine steps
// each cost three macrosteps, five snapshot copies and an invoked actor: 65%
// of what the idle service allocated, and the garbage collector was its
// largest cost (issue 18, heap and CPU profiles). An idle actor's polls run
// here; the machine hears only what it acts on: a poll that could not settle
// (`again`), a fault, and the end of a poll that an event came during.
import type { AnyActorRef } from "xstate";
import type { BindingMachineImplementation, Timers } from "./binding-context.js";
import type { SyncOutcome } from "./binding-sync.js";
import { pollDelay } from "./timing.js";

/** What the poller tells its actor. */
export type PollReport =
  /** Asked (nudge) before its poll began: the actor takes over, pulling too if the poll was due. */
  | { type: "POLL_GO"; pull: boolean; lastPullAt: number; channelExpiresAt: number | null }
  /** A poll ended that the actor must act on (it could not settle, or an event came while it ran). */
  | { type: "POLLED"; output: SyncOutcome; lastPullAt: number }
  | { type: "POLL_FAILED"; error: unknown };

export interface PollSchedule {
  bindingId: string;
  pollMs: number;
  lastPullAt: number;
  channelExpiresAt: number | null;
}

/** One actor's poller: kept for the actor's life, armed while it is idle. */
interface Poller extends PollSchedule {
  /** Bumped by every start and stop: a timer or pass of an earlier idle spell finds it changed and does nothing. */
  spell: number;
  /** waiting: for the timer; turn: for the provider's pace; polling: a pass runs. */
  phase: "stopped" | "waiting" | "turn" | "polling";
  timer: unknown;
  /** An event came while the poll ran: report its end. */
  nudged: boolean;
  abort: AbortController | undefined;
  /** The implementation's (kept here so that haltRoutinePoll needs only the actor). */
  timers: Timers;
}

const realTimers: Timers = { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout) };

/** Each actor's poller, by the actor (actors of every machine are distinct objects). */
const pollers = new WeakMap<AnyActorRef, Poller>();

function halt(poller: Poller): void {
  poller.spell++;
  poller.phase = "stopped";
  poller.timers.clearTimeout(poller.timer);
  poller.timer = undefined;
  poller.abort?.abort();
  poller.abort = undefined;
}

/**
 * The actor was stopped (XState runs no exit action then): its timer is
 * cancelled and a poll in flight aborted, as leaving idle would. An observer
 * of the actor's stop would cost about 1.6 KiB an actor (issue 18).
 */
export function haltRoutinePoll(actor: AnyActorRef): void {
  const poller = pollers.get(actor);
  if (poller) halt(poller);
}

export class RoutinePolls {
  private readonly timers: Timers;

  constructor(private readonly impl: BindingMachineImplementation) {
    this.timers = impl.timers ?? realTimers;
  }

  /** The actor became idle: its next poll is due `pollDelay` after its last pull. */
  start(actor: AnyActorRef, schedule: PollSchedule): void {
    let poller = pollers.get(actor);
    if (!poller) {
      poller = { ...schedule, spell: 0, phase: "stopped", timer: undefined, nudged: false, abort: undefined, timers: this.timers };
      pollers.set(actor, poller);
    }
    Object.assign(poller, schedule);
    poller.spell++;
    poller.nudged = false;
    this.wait(actor, poller);
  }

  /** The actor left idle: its timer is cancelled and a poll in flight aborted (it stops at its next action). */
  stop(actor: AnyActorRef): void {
    haltRoutinePoll(actor);
  }

  /**
   * An event came while idle. Before the poll began, the actor takes over at
   * once (POLL_GO); while it runs, its end is reported (POLLED), so a pass
   * never overlaps it and its outcome is not lost.
   */
  nudge(actor: AnyActorRef): void {
    const poller = pollers.get(actor);
    if (!poller || poller.phase === "stopped") return;
    if (poller.phase === "polling") {
      poller.nudged = true;
      return;
    }
    const { lastPullAt, channelExpiresAt } = poller;
    actor.send({ type: "POLL_GO", pull: poller.phase === "turn", lastPullAt, channelExpiresAt } satisfies PollReport);
  }

  private wait(actor: AnyActorRef, poller: Poller): void {
    const spell = poller.spell;
    poller.phase = "waiting";
    poller.timers.clearTimeout(poller.timer);
    const delay = pollDelay(poller.pollMs, poller.channelExpiresAt, poller.lastPullAt, this.impl.now());
    poller.timer = poller.timers.setTimeout(() => {
      if (poller.spell !== spell) return;
      poller.phase = "turn";
      const go = () => this.poll(actor, poller, spell);
      const turn = this.impl.pollTurn?.(poller.bindingId);
      if (turn) turn.then(go, go);
      else go();
    }, delay);
  }

  private poll(actor: AnyActorRef, poller: Poller, spell: number): void {
    if (poller.spell !== spell || actor.getSnapshot().status !== "active") return;
    poller.phase = "polling";
    const began = this.impl.now();
    const abort = new AbortController();
    poller.abort = abort;
    this.impl.runPass(poller.bindingId, "changes", false, abort.signal).then(
      (output) => {
        if (poller.spell !== spell) return;
        poller.abort = undefined;
        // The next poll counts from when this one listed (its pass may have waited for the provider's pace).
        poller.lastPullAt = began + (output.listedAfterMs ?? 0);
        poller.channelExpiresAt = output.channelExpiresAt;
        if (output.again || poller.nudged) actor.send({ type: "POLLED", output, lastPullAt: poller.lastPullAt } satisfies PollReport);
        else this.wait(actor, poller);
      },
      (error: unknown) => {
        if (poller.spell !== spell) return;
        poller.abort = undefined;
        actor.send({ type: "POLL_FAILED", error } satisfies PollReport);
      },
    );
  }
}
