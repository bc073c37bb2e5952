// R9–R20 as properties: the model-based test on a time budget (45 s with the
// memory provider and 30 s with the fake Google; MODEL_SECONDS sets the
// memory budget, the Google one follows at two thirds). A failure prints its
// seed and path: replay with MODEL_SEED and MODEL_PATH.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { runSyncModel } from "../../testkit/sync-model/index.js";

const seconds = (provider: "memory" | "google") =>
  Number(process.env.MODEL_SECONDS ?? (provider === "memory" ? 50 : 20)) * (provider === "memory" ? 1 : 0.4);
const replay = { seed: process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : undefined, path: process.env.MODEL_PATH };

describe(`the sync engine under random sequences of changes, faults and crashes (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it.each(["memory", "google"] as const)(
    "converges without duplicates, losses, echoes or lost guests (%s provider)",
    async (provider) => {
      const report = await runSyncModel({ provider, database, seconds: seconds(provider), ...replay });
      console.log(`sync model (${provider}, ${backend}): ${report.runs} runs, seed ${report.seed}${report.failed ? " FAILED" : ""}`);
      expect(report.failure ?? "").toBe("");
      expect(report.runs).toBeGreaterThan(0);
    },
    180_000,
  );
});
