// How an import's progress is written: a new phase at once, steps at most once
// a second with the latest always landing, and cleared when the import ends.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ImportProgress, type Progress } from "../../engine/import-progress.js";

beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] }));
afterEach(() => vi.useRealTimers());

describe("import progress", () => {
  it("writes a new phase at once, steps at most once a second (the latest within a second), and null at the end", async () => {
    const written: (Progress | null)[] = [];
    const progress = new ImportProgress(async (p) => void written.push(p));
    progress.report("reading", 0, null);
    for (let done = 1; done <= 500; done++) progress.report("reading", done, null);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([{ phase: "reading", done: 0, total: null }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(written.at(-1)).toEqual({ phase: "reading", done: 500, total: null });
    expect(written).toHaveLength(2);

    progress.report("writing", 0, 40);
    await vi.advanceTimersByTimeAsync(0);
    expect(written.at(-1)).toEqual({ phase: "writing", done: 0, total: 40 });
    progress.report("writing", 7, 40);
    await progress.close(true);
    expect(written.at(-1)).toBeNull();
    // Nothing more once closed: the step that waited for its second is dropped.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(written.at(-1)).toBeNull();
  });

  it("a failed write does not stop the ones after it; a stopped import leaves its last progress", async () => {
    const written: (Progress | null)[] = [];
    let fail = true;
    const progress = new ImportProgress(async (p) => {
      if (fail) {
        fail = false;
        throw new Error("database hiccup");
      }
      written.push(p);
    });
    progress.report("reading", 0, null);
    progress.report("writing", 3, 10);
    await progress.close(false);
    expect(written).toEqual([{ phase: "writing", done: 3, total: 10 }]);
  });
});
