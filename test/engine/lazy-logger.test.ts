// A binding's logger is made on first use: its lines still carry the
// binding's fields, and a level that is off makes no child at all.
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { lazyChild } from "../../engine/lazy-logger.js";

function recording(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level }, sink) };
}

describe("a binding's lazily made logger", () => {
  it("writes lines with the binding's fields, at the levels that are on", async () => {
    const { lines, logger } = recording("info");
    const made: unknown[] = [];
    const child = logger.child.bind(logger);
    logger.child = ((bindings: pino.Bindings) => {
      made.push(bindings);
      return child(bindings);
    }) as typeof logger.child;
    const binding = lazyChild(logger, { bindingId: "b1", provider: "google" });
    binding.debug({ mode: "changes" }, "pass done");
    expect(made).toEqual([]);
    binding.warn({ code: "quota" }, "slow down");
    binding.info("again");
    expect(made).toHaveLength(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map(({ bindingId, provider, code, msg }) => ({ bindingId, provider, code, msg }))).toEqual([
      { bindingId: "b1", provider: "google", code: "quota", msg: "slow down" },
      { bindingId: "b1", provider: "google", code: undefined, msg: "again" },
    ]);
  });

  it("follows the level the parent has now", async () => {
    const { lines, logger } = recording("info");
    const binding = lazyChild(logger, { bindingId: "b2" });
    binding.debug("hidden");
    logger.level = "debug";
    binding.debug("shown");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line.bindingId, line.msg])).toEqual([["b2", "shown"]]);
  });
});
