// The binding machine alone: stub actors for its I/O and XState's simulated
// clock for its timers, so poll timing, backoff, the retry streak, 410,
// pause and restart are checked exactly, without waiting for real time.
import { afterEach, describe, expect, it } from "vitest";
import { type Actor, createActor, SimulatedClock } from "xstate";
import { AuthRevoked, RateLimited, SyncTokenExpired, Transient } from "../../adapters/types.js";
import { type BindingMachine, bindingMachineWith, stopBindingActor } from "../../engine/binding-machine.js";
import type { SyncOutcome } from "../../engine/binding-sync.js";
import type { PassMode } from "../../engine/pass.js";
import { topState } from "../../engine/supervisor.js";

interface Pass {
  mode: PassMode;
  retryFailures: boolean;
  at: number;
  signal: AbortSignal;
}

const POLL = 60_000;

/** A machine whose passes are recorded and answered by `answer` (an outcome or a thrown fault). */
function harness(
  options: {
    hasSyncToken?: boolean;
    answer?: (pass: Pass) => SyncOutcome | Error | Promise<SyncOutcome>;
    pollTurn?: () => Promise<void> | undefined;
  } = {},
) {
  const clock = new SimulatedClock();
  const passes: Pass[] = [];
  const authorizations: number[] = [];
  const machine: BindingMachine = bindingMachineWith({
    authorize: async () => {
      authorizations.push(clock.now());
      return { hasSyncToken: options.hasSyncToken ?? true };
    },
    runPass: async (_bindingId, mode, retryFailures, signal) => {
      const pass = { mode, retryFailures, at: clock.now(), signal };
      passes.push(pass);
      const outcome = await (options.answer ?? (() => ({ again: false, channelExpiresAt: null })))(pass);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    pollTurn: options.pollTurn,
    now: () => clock.now(),
    timers: clock,
    random: () => 0.5,
  });
  const actor: Actor<BindingMachine> = createActor(machine, {
    clock,
    input: { bindingId: "b1", pollMs: POLL, backoffBaseMs: 1_000, backoffMaxMs: 60_000 },
  });
  return { clock, actor, passes, authorizations, state: () => topState(actor.getSnapshot().value) };
}

/** Lets the stub actors' promises settle (microtasks and the turns XState takes). */
async function flush() {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Moves the simulated clock, letting each timer's consequences settle before the next. */
async function advance(clock: SimulatedClock, ms: number, step = 250) {
  for (let done = 0; done < ms; done += step) {
    clock.increment(Math.min(step, ms - done));
    await flush();
  }
}

let running: Actor<BindingMachine> | undefined;
afterEach(() => running?.stop());

describe("the binding machine with a simulated clock", () => {
  it("authorizes, pulls once, then polls every interval counted from the last pull", async () => {
    const h = harness();
    running = h.actor.start();
    await flush();
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([["changes", 0]]);
    expect(h.state()).toBe("incremental");
    await advance(h.clock, POLL - 250);
    expect(h.passes).toHaveLength(1);
    await advance(h.clock, 250);
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([
      ["changes", 0],
      ["changes", POLL],
    ]);
  });

  it("a poll that waited its turn for the provider's pace counts the next interval from its listing, not from its start", async () => {
    // The second poll waits 50 s for a slot (a short budget), then lists.
    let held: ((outcome: SyncOutcome) => void) | undefined;
    const h = harness({
      answer: (pass) =>
        pass.at === POLL ? new Promise<SyncOutcome>((resolve) => (held = resolve)) : { again: false, channelExpiresAt: null, listedAfterMs: 0 },
    });
    running = h.actor.start();
    await flush();
    await advance(h.clock, POLL);
    await advance(h.clock, 50_000);
    held!({ again: false, channelExpiresAt: null, listedAfterMs: 50_000 });
    await flush();
    // Counted from its start the next poll would come at 2 × POLL, 10 s after this one listed: every binding would stay queued.
    await advance(h.clock, POLL - 250);
    expect(h.passes.map((p) => p.at)).toEqual([0, POLL]);
    await advance(h.clock, 250);
    expect(h.passes.map((p) => p.at)).toEqual([0, POLL, POLL + 50_000 + POLL]);
  });

  it("a routine poll waits for its turn before its pass begins; a push notice meanwhile pulls at once", async () => {
    let turns = 0;
    let give: (() => void) | undefined;
    const h = harness({
      pollTurn: () => {
        turns++;
        return new Promise<void>((resolve) => (give = resolve));
      },
    });
    running = h.actor.start();
    await flush();
    // The pull after signing in does not ask for a turn; the poll an interval later does, and waits.
    await advance(h.clock, POLL + 30_000);
    expect(turns).toBe(1);
    expect(h.passes.map((p) => p.at)).toEqual([0]);
    give?.();
    await flush();
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([
      ["changes", 0],
      ["changes", POLL + 30_000],
    ]);
    // The next poll counts from the pass that began when the turn came.
    await advance(h.clock, POLL);
    expect(turns).toBe(2);
    running.send({ type: "WEBHOOK" });
    await flush();
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([
      ["changes", 0],
      ["changes", POLL + 30_000],
      ["changes", 2 * POLL + 30_000],
    ]);
    // The turn that comes later finds the poll done: no second pass.
    give?.();
    await flush();
    expect(h.passes).toHaveLength(3);
  });

  it("a CRM change while a routine poll runs waits for the poll to end, then is pushed; the next poll counts from the routine one", async () => {
    let release: ((outcome: SyncOutcome) => void) | undefined;
    const h = harness({
      answer: (pass) =>
        pass.at === POLL && pass.mode === "changes"
          ? new Promise<SyncOutcome>((resolve) => (release = resolve))
          : { again: false, channelExpiresAt: null },
    });
    running = h.actor.start();
    await flush();
    await advance(h.clock, POLL);
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([
      ["changes", 0],
      ["changes", POLL],
    ]);
    h.actor.send({ type: "CRM_CHANGED" });
    await advance(h.clock, 1_000);
    // Passes never overlap: the push waits for the poll in flight.
    expect(h.passes).toHaveLength(2);
    release?.({ again: false, channelExpiresAt: null, listedAfterMs: 0 });
    await flush();
    expect(h.passes.map((p) => [p.mode, p.at])).toEqual([
      ["changes", 0],
      ["changes", POLL],
      ["push", POLL + 1_000],
    ]);
    await advance(h.clock, POLL - 1_250);
    expect(h.passes).toHaveLength(3);
    await advance(h.clock, 250);
    expect(h.passes.at(-1)).toMatchObject({ mode: "changes", at: 2 * POLL });
  });

  it("R16: a routine poll's fault backs off like any pass's; stopping the actor (stopBindingActor) aborts a routine poll in flight", async () => {
    let polls = 0;
    let held: Pass | undefined;
    const h = harness({
      answer: (pass) => {
        if (pass.at === 0) return { again: false, channelExpiresAt: null };
        polls++;
        if (polls === 1) return new Transient("503");
        if (polls === 2) return { again: false, channelExpiresAt: null };
        held = pass;
        return new Promise<SyncOutcome>(() => {});
      },
    });
    running = h.actor.start();
    await flush();
    await advance(h.clock, POLL);
    expect(h.state()).toBe("backoff");
    expect(h.actor.getSnapshot().context.lastError).toMatchObject({ code: "unavailable" });
    await advance(h.clock, 1_000);
    expect(h.state()).toBe("incremental");
    expect(h.actor.getSnapshot().context.lastError).toBeNull();
    expect(h.passes.map((p) => p.at)).toEqual([0, POLL, POLL + 750]);
    await advance(h.clock, POLL);
    expect(held?.at).toBe(2 * POLL + 750);
    expect(held?.signal.aborted).toBe(false);
    stopBindingActor(h.actor);
    expect(held?.signal.aborted).toBe(true);
  });

  it("R14: CRM changes are pushed at once and never put off the next poll", async () => {
    const h = harness();
    running = h.actor.start();
    await flush();
    for (let t = 10_000; t < POLL; t += 10_000) {
      await advance(h.clock, 10_000);
      h.actor.send({ type: "CRM_CHANGED" });
      await flush();
    }
    await advance(h.clock, POLL - 50_000);
    const pulls = h.passes.filter((p) => p.mode === "changes").map((p) => p.at);
    expect(h.passes.filter((p) => p.mode === "push")).toHaveLength(5);
    expect(pulls).toEqual([0, POLL]);
  });

  it("R17: once a push channel has proven to deliver, polling is a backstop every ten intervals", async () => {
    const h = harness({ answer: (pass) => ({ again: false, channelExpiresAt: pass.at + 7 * 86_400_000 }) });
    running = h.actor.start();
    await flush();
    await advance(h.clock, 10 * POLL, 60_000);
    expect(h.passes.map((p) => p.at)).toEqual([0, 10 * POLL]);
    // A notice still brings a pull at once.
    h.actor.send({ type: "WEBHOOK" });
    await flush();
    expect(h.passes.at(-1)).toMatchObject({ mode: "changes", at: 10 * POLL });
    expect(h.passes).toHaveLength(3);
  });

  it("R16: transient faults back off with jittered, doubling delays, then resume where they were", async () => {
    let fail = 3;
    const h = harness({ answer: () => (fail-- > 0 ? new Transient("503") : { again: false, channelExpiresAt: null }) });
    running = h.actor.start();
    await flush();
    expect(h.state()).toBe("backoff");
    await advance(h.clock, 20_000, 50);
    // With jitter at its middle: 750 ms, then 1,500, then 3,000 after each failure.
    expect(h.passes.map((p) => p.at)).toEqual([0, 750, 2_250, 5_250]);
    expect(h.state()).toBe("incremental");
    expect(h.actor.getSnapshot().context.lastError).toBeNull();
  });

  it("R16: a Retry-After longer than the backoff is honoured", async () => {
    let fail = true;
    const h = harness({
      answer: () => {
        if (!fail) return { again: false, channelExpiresAt: null };
        fail = false;
        return new RateLimited("429", 429, 9_000);
      },
    });
    running = h.actor.start();
    await flush();
    expect(h.actor.getSnapshot().context.lastError).toMatchObject({ code: "rate_limited", message: expect.stringContaining("Waiting 9 s") });
    await advance(h.clock, 8_900, 100);
    expect(h.passes).toHaveLength(1);
    await advance(h.clock, 200, 100);
    expect(h.passes.map((p) => p.at)).toEqual([0, 9_000]);
  });

  it("R16: a revoked account waits in error, making no call, until restarted", async () => {
    let revoked = true;
    const h = harness({ answer: () => (revoked ? new AuthRevoked("invalid_grant", 400) : { again: false, channelExpiresAt: null }) });
    running = h.actor.start();
    await flush();
    expect(h.state()).toBe("error");
    expect(h.actor.getSnapshot().context.lastError?.code).toBe("auth_revoked");
    await advance(h.clock, 60 * POLL, 60_000);
    expect(h.passes).toHaveLength(1);
    expect(h.authorizations).toHaveLength(1);
    revoked = false;
    h.actor.send({ type: "RESTART" });
    await flush();
    expect(h.state()).toBe("incremental");
    expect(h.passes.at(-1)).toMatchObject({ mode: "changes", retryFailures: true });
  });

  it("R16: a credential another binding found refused stops this one at once, mid-pass too; a paused one stays paused", async () => {
    const refusal = { code: "auth_revoked", message: "refused", at: new Date(0).toISOString() };
    let finish: (outcome: SyncOutcome) => void = () => {};
    let passes = 0;
    const h = harness({
      answer: () => (passes++ === 0 ? { again: false, channelExpiresAt: null } : new Promise((resolve) => (finish = resolve))),
    });
    running = h.actor.start();
    await flush();
    h.actor.send({ type: "SYNC_NOW" });
    await flush();
    const inFlight = h.passes.at(-1)!;
    h.actor.send({ type: "CREDENTIAL_REFUSED", error: refusal });
    await flush();
    expect(h.state()).toBe("error");
    expect(h.actor.getSnapshot().context.lastError).toBe(refusal);
    expect(inFlight.signal.aborted).toBe(true);
    finish({ again: false, channelExpiresAt: null });
    await advance(h.clock, 10 * POLL, 60_000);
    expect(h.state()).toBe("error");

    const paused = harness();
    running = paused.actor.start();
    paused.actor.send({ type: "PAUSE" });
    paused.actor.send({ type: "CREDENTIAL_REFUSED", error: refusal });
    await flush();
    expect(paused.state()).toBe("paused");
    h.actor.stop();
  });

  it("R16: an expired sync token (410) makes the next pass a full import", async () => {
    let expired = true;
    const h = harness({
      answer: (pass) => {
        if (pass.mode === "changes" && expired) {
          expired = false;
          return new SyncTokenExpired("410", 410);
        }
        return { again: false, channelExpiresAt: null };
      },
    });
    running = h.actor.start();
    await flush();
    expect(h.passes.map((p) => p.mode)).toEqual(["changes", "full"]);
    expect(h.state()).toBe("incremental");
  });

  it("a pass that could not settle runs again, but at most five in a row before waiting for the poll", async () => {
    const h = harness({ answer: () => ({ again: true, channelExpiresAt: null }) });
    running = h.actor.start();
    await flush();
    expect(h.passes).toHaveLength(5);
    expect(h.passes.every((p) => p.at === 0)).toBe(true);
    await advance(h.clock, POLL);
    expect(h.passes.length).toBeGreaterThan(5);
    expect(h.passes[5].at).toBe(POLL);
  });

  it("pause stops passes until resume; restart, resync and pause abort the pass in flight", async () => {
    let release: (() => void) | undefined;
    const h = harness({
      answer: (pass) =>
        pass.at === 0 && !release
          ? new Promise<SyncOutcome>((resolve) => {
              release = () => resolve({ again: false, channelExpiresAt: null });
            })
          : { again: false, channelExpiresAt: null },
    });
    running = h.actor.start();
    await flush();
    expect(h.state()).toBe("incremental");
    const inFlight = h.passes[0];
    h.actor.send({ type: "PAUSE" });
    await flush();
    expect(inFlight.signal.aborted).toBe(true);
    expect(h.state()).toBe("paused");
    release?.();
    await advance(h.clock, 3 * POLL, 60_000);
    expect(h.passes).toHaveLength(1);
    h.actor.send({ type: "RESUME" });
    await flush();
    expect(h.passes).toHaveLength(2);
    expect(h.authorizations).toHaveLength(2);
  });

  it("retry-failures asks the next pass to try failed items again; a configuration change re-authorizes with the new interval", async () => {
    const h = harness();
    running = h.actor.start();
    await flush();
    h.actor.send({ type: "RETRY_FAILURES" });
    await flush();
    expect(h.passes.at(-1)).toMatchObject({ retryFailures: true, mode: "push" });
    h.actor.send({ type: "CONFIG_CHANGED", pollMs: 5_000 });
    await flush();
    expect(h.authorizations).toHaveLength(2);
    const before = h.passes.length;
    await advance(h.clock, 5_000);
    expect(h.passes.length).toBe(before + 1);
  });

  it("a first import without a sync token, and a resync, are full passes", async () => {
    const h = harness({ hasSyncToken: false });
    running = h.actor.start();
    await flush();
    expect(h.passes.map((p) => p.mode)).toEqual(["full"]);
    h.actor.send({ type: "RESYNC" });
    await flush();
    expect(h.passes.map((p) => p.mode)).toEqual(["full", "full"]);
  });
});
