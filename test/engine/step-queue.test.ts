import { describe, expect, it } from "vitest";
import { StepQueue } from "../../engine/step-queue.js";

const deferred = () => {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
};

describe("one step at a time per binding", () => {
  it("a step queued behind a running one starts only when that one has settled, even when it failed", async () => {
    const queue = new StepQueue();
    const log: string[] = [];
    const first = deferred();
    const one = queue.run(async () => {
      log.push("first starts");
      await first.promise;
      log.push("first ends");
    });
    const two = queue.run(async () => void log.push("second starts"));
    await Promise.resolve();
    expect(log).toEqual(["first starts"]);
    first.reject(new Error("cancelled"));
    await expect(one).rejects.toThrow("cancelled");
    await two;
    expect(log).toEqual(["first starts", "second starts"]);
  });

  it("idle waits for every queued step", async () => {
    const queue = new StepQueue();
    const gate = deferred();
    let done = 0;
    void queue.run(async () => {
      await gate.promise;
      done++;
    });
    void queue.run(async () => void done++);
    const idle = queue.idle();
    gate.resolve();
    await idle;
    expect(done).toBe(2);
  });
});
