// The per-account pacer (R17) on a simulated clock: how many calls pass in a
// window, who goes first, a pace changed while calls wait, calls in flight
// per mailbox and a server's Retry-After.
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { type CallPriority, Pacer } from "../../adapters/pacer.js";

function paced(requestsPerMinute: number, maxInFlight?: number) {
  const clock = new SimulatedClock();
  const waits: { priority: CallPriority; ms: number }[] = [];
  const pacer = new Pacer(requestsPerMinute, clock, maxInFlight, (priority, ms) => waits.push({ priority, ms }));
  const granted: { id: string; at: number }[] = [];
  const ask = (id: string, priority: CallPriority = "read") => void pacer.acquire(priority).then(() => granted.push({ id, at: clock.now() }));
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  /** Moves the clock in 1 ms steps, letting granted callers run. */
  const advance = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.increment(1);
      await flush();
    }
  };
  return { pacer, clock, granted, ask, flush, advance, waits };
}

describe("the per-account pacer", () => {
  it("R17: holds a burst to the rate: 600 per minute is one call every 100 ms", async () => {
    const p = paced(600);
    for (let i = 0; i < 12; i++) p.ask(`c${i}`);
    await p.flush();
    await p.advance(1_000);
    expect(p.granted.map((g) => g.at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000]);
    expect(p.pacer.queued).toBe(1);
  });

  it("tells how long each call waited for its slot (the pacer wait metric)", async () => {
    const p = paced(600);
    p.ask("first");
    p.ask("second", "write");
    p.ask("third");
    await p.flush();
    await p.advance(200);
    expect(p.waits).toEqual([
      { priority: "read", ms: 0 },
      { priority: "write", ms: 100 },
      { priority: "read", ms: 200 },
    ]);
  });

  it("R17: waiting writes are granted before waiting reads, whatever the order they asked in", async () => {
    const p = paced(600);
    p.ask("first read");
    for (let i = 0; i < 3; i++) p.ask(`read ${i}`);
    for (let i = 0; i < 3; i++) p.ask(`write ${i}`, "write");
    await p.flush();
    await p.advance(600);
    expect(p.granted.map((g) => g.id)).toEqual(["first read", "write 0", "write 1", "write 2", "read 0", "read 1", "read 2"]);
  });

  it("a new pace set while calls wait applies to them at once", async () => {
    const p = paced(60); // one a second
    for (let i = 0; i < 10; i++) p.ask(`c${i}`);
    await p.flush();
    p.pacer.setRequestsPerMinute(60_000); // one a millisecond
    await p.advance(20);
    expect(p.granted).toHaveLength(10);
    expect(p.granted.at(-1)!.at).toBeLessThan(20);
  });

  it("refuses a pace that is not positive", () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });

  it("holds at most maxInFlight calls unanswered; the next starts when one is answered", async () => {
    const p = paced(600_000, 4);
    const answers: (() => void)[] = [];
    const started: number[] = [];
    const calls = Array.from({ length: 6 }, (_, i) =>
      p.pacer.run("write", () => {
        started.push(i);
        return new Promise<void>((answer) => answers.push(answer));
      }),
    );
    await p.advance(10);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(p.pacer.running).toBe(4);
    answers[1]();
    await p.advance(1);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const answer of answers.splice(0)) answer();
    await p.advance(2);
    for (const answer of answers) answer();
    await Promise.all(calls);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(p.pacer.running).toBe(0);
  });

  it("a failed call gives its slot back too", async () => {
    const p = paced(600_000, 1);
    await expect(p.pacer.run("read", async () => Promise.reject(new Error("503")))).rejects.toThrow("503");
    expect(p.pacer.running).toBe(0);
    const second = p.pacer.run("read", async () => "answered");
    await p.advance(1);
    await expect(second).resolves.toBe("answered");
  });

  it("after hold(ms) (a server's Retry-After) nothing starts until the time has passed", async () => {
    const p = paced(600_000);
    p.pacer.hold(2_000);
    p.ask("waits");
    await p.advance(1_999);
    expect(p.granted).toEqual([]);
    await p.advance(2);
    expect(p.granted.map((g) => g.id)).toEqual(["waits"]);
    expect(p.granted[0].at).toBeGreaterThanOrEqual(2_000);
  });

  describe("room in the queue (the routine polls' turn)", () => {
    /** A caller that waits for room of depth 3 among reads, then asks for its slot; `begun` records when it was let in. */
    function poller(p: ReturnType<typeof paced>, begun: string[]) {
      return (id: string) => {
        const go = () => {
          begun.push(id);
          p.ask(id);
        };
        const room = p.pacer.room("read", 3);
        if (room) void room.then(go);
        else go();
      };
    }

    it("lets callers in while fewer than the depth wait, and the rest as the queue drains, in the order they came", async () => {
      const p = paced(600); // one call every 100 ms
      const begun: string[] = [];
      const poll = poller(p, begun);
      for (let i = 0; i < 8; i++) poll(`poll ${i}`);
      await p.flush();
      // The first goes at once; three wait for their slot; the other four wait outside, holding nothing.
      expect(begun).toEqual(["poll 0", "poll 1", "poll 2", "poll 3"]);
      expect(p.pacer.queued).toBe(3);
      await p.advance(100);
      expect(begun).toEqual(["poll 0", "poll 1", "poll 2", "poll 3", "poll 4"]);
      expect(p.pacer.queued).toBe(3);
      await p.advance(700);
      expect(p.granted.map((g) => g.id)).toEqual(Array.from({ length: 8 }, (_, i) => `poll ${i}`));
      expect(p.pacer.queued).toBe(0);
    });

    it("one let in that never comes does not keep the others out", async () => {
      const p = paced(600);
      const begun: string[] = [];
      const poll = poller(p, begun);
      for (let i = 0; i < 3; i++) poll(`poll ${i}`);
      await p.flush();
      // Room for one more, taken by a caller that goes elsewhere (its actor was stopped).
      expect(p.pacer.room("read", 3)).toBeUndefined();
      poll("after it");
      await p.flush();
      expect(begun).not.toContain("after it");
      // Within a tick the place is given up, before any slot is granted.
      await p.advance(1);
      expect(begun).toContain("after it");
      expect(p.granted.map((g) => g.id)).toEqual(["poll 0"]);
    });

    it("a write never waits for room, and reads let in wait behind it", async () => {
      const p = paced(600);
      const begun: string[] = [];
      const poll = poller(p, begun);
      for (let i = 0; i < 6; i++) poll(`poll ${i}`);
      p.ask("write", "write");
      await p.flush();
      await p.advance(300);
      expect(p.granted.map((g) => g.id).slice(0, 3)).toEqual(["poll 0", "write", "poll 1"]);
    });
  });
});
