// V8's heap while bindings crowd to start: growth held to 10% and
// optimize-for-size on during a mass start, V8's own choice after it, and
// neither touched when the administrator set it in the node flags.
import { execFileSync } from "node:child_process";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { heapDuringStarts } from "../heap-during-starts.js";

const logger = pino({ level: "silent" });

describe("V8's heap during starts", () => {
  it("is held to 10% and optimized for size while starts crowd, and given back to V8 after", () => {
    const set: string[] = [];
    const crowding = heapDuringStarts(logger, ["--max-old-space-size=256"], (flags) => set.push(flags));
    crowding!(true);
    expect(set).toEqual(["--heap-growing-percent=10", "--optimize-for-size"]);
    crowding!(false);
    expect(set.slice(2)).toEqual(["--heap-growing-percent=0", "--no-optimize-for-size"]);
  });

  it("leaves each flag as the administrator set it on node's command line, 0 and no included", () => {
    const growth = ["--heap-growing-percent=0", "--heap_growing_percent=25", "--heap-growing-percent"];
    const size = ["--optimize-for-size", "--no-optimize-for-size", "--optimize_for_size"];
    for (const flag of growth) {
      const set: string[] = [];
      heapDuringStarts(logger, [flag], (flags) => set.push(flags))!(true);
      expect(set).toEqual(["--optimize-for-size"]);
    }
    for (const flag of size) {
      const set: string[] = [];
      heapDuringStarts(logger, [flag], (flags) => set.push(flags))!(true);
      expect(set).toEqual(["--heap-growing-percent=10"]);
    }
    expect(heapDuringStarts(logger, [growth[0]!, size[1]!], () => expect.unreachable())).toBeUndefined();
  });

  it("reads the flags of the process it runs in", () => {
    // A process of its own: the flags are the ones node was started with.
    const script = `import("./heap-during-starts.ts").then(({ heapDuringStarts }) => console.log(heapDuringStarts({ debug() {} }) === undefined ? "left" : "held"))`;
    const run = (args: string[]) => execFileSync(process.execPath, [...args, "--import", "tsx", "-e", script], { encoding: "utf8" }).trim();
    expect(run(["--max-old-space-size=256"])).toBe("held");
    expect(run(["--heap-growing-percent=20", "--optimize-for-size"])).toBe("left");
  });
});
