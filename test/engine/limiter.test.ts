// The start slots: a bounded number of actors authorize or import at once.
import { describe, expect, it } from "vitest";
import { Cancelled, Limiter } from "../../engine/limiter.js";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("start slots", () => {
  it("never run more than their size at once, and serve waiters in order", async () => {
    const slots = new Limiter(3);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        slots.run(async () => {
          order.push(i);
          most = Math.max(most, ++running);
          await tick();
          running--;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("skip work whose actor stopped while it waited, and pass the slot on", async () => {
    const slots = new Limiter(1);
    let stopped = false;
    let release!: () => void;
    const first = slots.run(() => new Promise<void>((r) => (release = r)));
    let ranCancelled = false;
    const cancelled = slots.run(
      async () => void (ranCancelled = true),
      () => stopped,
    );
    const third = slots.run(async () => "ran");
    stopped = true;
    release();
    await first;
    await expect(cancelled).rejects.toBeInstanceOf(Cancelled);
    expect(ranCancelled).toBe(false);
    await expect(third).resolves.toBe("ran");
  });

  it("free the slot when work fails", async () => {
    const slots = new Limiter(1);
    await expect(slots.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(slots.run(async () => 1)).resolves.toBe(1);
  });

  it("say when callers start to queue, and when no slot is in use after that; work that never waits says nothing", async () => {
    const told: boolean[] = [];
    const slots = new Limiter(2, (crowded) => told.push(crowded));
    await Promise.all([slots.run(tick), slots.run(tick)]);
    expect(told).toEqual([]);

    const releases: Array<() => void> = [];
    const held = () => slots.run(() => new Promise<void>((r) => releases.push(r)));
    const runs = [held(), held(), held(), held()];
    await tick();
    expect(told).toEqual([true]);
    // The queue empties while two slots are still in use: the mass start is not over yet.
    releases.shift()!();
    releases.shift()!();
    await tick();
    expect(releases).toHaveLength(2);
    expect(told).toEqual([true]);
    for (const release of releases.splice(0)) release();
    await Promise.all(runs);
    expect(told).toEqual([true, false]);
  });
});
