// The Google project's pace over the accounts' pacers, on a simulated clock:
// many accounts together stay under the project's budget, writes overtake the
// polls waiting for it, and polls stretch instead of failing.
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "xstate";
import { type CallPriority, Pacer } from "../../adapters/pacer.js";
import { acquireSlots } from "../../adapters/project-pace.js";

function world(accounts: number, accountPerMinute: number, projectPerMinute: number) {
  const clock = new SimulatedClock();
  const pacers = Array.from({ length: accounts }, () => new Pacer(accountPerMinute, clock));
  const project = new Pacer(projectPerMinute, clock);
  const granted: { id: string; account: number; at: number }[] = [];
  const ask = (account: number, id: string, priority: CallPriority = "read", poll = id.startsWith("poll")) =>
    void acquireSlots(pacers[account], project, priority, poll).then(() => granted.push({ id, account, at: clock.now() }));
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  const advance = async (ms: number) => {
    for (let i = 0; i < ms; i++) {
      clock.increment(1);
      await flush();
    }
  };
  return { project, granted, ask, flush, advance };
}

describe("the project's pace over the accounts'", () => {
  it("ten accounts each within its own pace stay together under the project's: 1,200 a minute is 20 a second", async () => {
    const w = world(10, 6_000, 1_200);
    for (let account = 0; account < 10; account++) for (let i = 0; i < 10; i++) w.ask(account, `poll ${account}.${i}`);
    await w.flush();
    await w.advance(1_000);
    // The accounts alone would let all 100 through within 100 ms.
    expect(w.granted.length).toBe(21);
    for (let second = 0; second < 1_000; second += 250) {
      expect(w.granted.filter((g) => g.at >= second && g.at < second + 250).length).toBeLessThanOrEqual(6);
    }
  });

  it("a write asked while polls wait for the project goes before them, whichever account asks", async () => {
    const w = world(5, 6_000, 600);
    for (let account = 0; account < 5; account++) for (let i = 0; i < 4; i++) w.ask(account, `poll ${account}.${i}`);
    await w.flush();
    await w.advance(150);
    w.ask(3, "write", "write");
    await w.flush();
    await w.advance(1_000);
    const order = w.granted.map((g) => g.id);
    // One poll at 0 ms and one at 100 ms; the write asked at 150 ms takes the next slot (200 ms).
    expect(order.indexOf("write")).toBe(2);
    expect(w.granted[2].at).toBe(200);
  });

  it("a start-up's read goes before the polls waiting for the project, after the write asked before it", async () => {
    const w = world(4, 6_000, 600);
    for (let account = 0; account < 3; account++) for (let i = 0; i < 4; i++) w.ask(account, `poll ${account}.${i}`);
    await w.flush();
    await w.advance(50);
    w.ask(3, "write", "write");
    w.ask(3, "sign-in read");
    await w.flush();
    await w.advance(1_000);
    expect(w.granted.slice(0, 3).map((g) => g.id)).toEqual(["poll 0.0", "write", "sign-in read"]);
  });

  it("polls that do not fit stretch: every account's poll still goes, later, and none is dropped", async () => {
    const w = world(20, 600, 600); // 20 accounts polling once each, 10 a second for the project
    for (let account = 0; account < 20; account++) w.ask(account, `poll ${account}`);
    await w.flush();
    await w.advance(1_000);
    expect(w.granted.length).toBe(11);
    await w.advance(1_000);
    expect(w.granted.length).toBe(20);
    expect(new Set(w.granted.map((g) => g.account)).size).toBe(20);
    expect(w.project.queued).toBe(0);
  });
});
