// The pacers' metrics as operators' own Google accounts feed them: the wait
// histogram keeps one set of series for all of those accounts (a histogram
// each would grow the service's heap and every scrape with the accounts), and
// the queue depth, one number each, still names every account.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoogleAdapterFactory } from "../../adapters/google/index.js";
import { ServiceMetrics } from "../../observability/metrics.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { parseExposition, total } from "../../testkit/prometheus-text.js";

let google: FakeGoogle;

beforeAll(async () => {
  google = await startFakeGoogle();
});
afterAll(async () => {
  await google.close();
});

describe("pacer metrics with many operators' accounts", () => {
  it("counts every operator account's waits in one histogram and each account's queue apart", async () => {
    const metrics = new ServiceMetrics();
    const factory = createGoogleAdapterFactory({
      apiRootUrl: google.rootUrl,
      tokenUrl: google.tokenUrl,
      requestsPerMinute: 600_000,
      projectRequestsPerMinute: 600_000,
      pacing: metrics.pacing,
    });
    const operators = ["a", "b", "c"].map((name) => `operator:${name}-0000-4000-8000-000000000000`);
    for (const [i, credential] of operators.entries()) {
      const refreshToken = google.addAccount(`own${i}@example.com`);
      await factory({ clientId: google.clientId, clientSecret: google.clientSecret, refreshToken }, credential).accountId();
    }

    const scrape = parseExposition(await metrics.text());
    const calls = google.callLog.length;
    expect(total(scrape, "taskcal_pacer_wait_seconds_count", { credential: "operator" })).toBe(calls);
    expect(total(scrape, "taskcal_pacer_wait_seconds_count", { credential: "project" })).toBe(calls);
    const waitCredentials = new Set(scrape.samples.filter((s) => s.name.startsWith("taskcal_pacer_wait_seconds")).map((s) => s.labels.credential));
    expect([...waitCredentials].sort()).toEqual(["operator", "project"]);
    const queueCredentials = scrape.samples.filter((s) => s.name === "taskcal_pacer_queue_depth").map((s) => s.labels.credential);
    expect(queueCredentials.sort()).toEqual([...operators, "project"].sort());
  });
});
