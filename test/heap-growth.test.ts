// V8's heap growth while bindings crowd to start: held to 10% during a mass
// start, V8's own choice after it, and never touched when the administrator
// set it in the node flags.
import { execFileSync } from "node:child_process";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { heapGrowthDuringStarts } from "../heap-growth.js";

const logger = pino({ level: "silent" });

describe("heap growth during starts", () => {
  it("is held to 10% while starts crowd and given back to V8 after", () => {
    const set: string[] = [];
    const crowding = heapGrowthDuringStarts(logger, ["--max-old-space-size=256"], (flags) => set.push(flags));
    crowding!(true);
    crowding!(false);
    expect(set).toEqual(["--heap-growing-percent=10", "--heap-growing-percent=0"]);
  });

  it("is left as the administrator set it on node's command line, 0 included", () => {
    for (const flags of [["--heap-growing-percent=0"], ["--heap_growing_percent=25"], ["--heap-growing-percent", "30"]]) {
      expect(heapGrowthDuringStarts(logger, flags, () => expect.unreachable())).toBeUndefined();
    }
  });

  it("reads the flags of the process it runs in", () => {
    // A process of its own: the flags are the ones node was started with.
    const script = `import("./heap-growth.ts").then(({ heapGrowthDuringStarts }) => console.log(heapGrowthDuringStarts({ debug() {} }) === undefined ? "left" : "held"))`;
    const run = (args: string[]) => execFileSync(process.execPath, [...args, "--import", "tsx", "-e", script], { encoding: "utf8" }).trim();
    expect(run(["--max-old-space-size=256"])).toBe("held");
    expect(run(["--heap-growing-percent=20"])).toBe("left");
  });
});
