// The Google pacer (R17) on a simulated clock: how many calls pass in a
// window, who goes first, and a pace changed while calls wait.
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { type CallPriority, Pacer } from "../../adapters/google/pacer.js";

function paced(requestsPerMinute: number) {
  const clock = new SimulatedClock();
  const waits: { priority: CallPriority; ms: number }[] = [];
  const pacer = new Pacer(requestsPerMinute, clock, (priority, ms) => waits.push({ priority, ms }));
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
  return { pacer, granted, ask, flush, advance, waits };
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
});
