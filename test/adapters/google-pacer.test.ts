import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoogleAdapterFactory } from "../../adapters/google/index.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { googleAccount } from "./google-harness.js";

let google: FakeGoogle;

beforeAll(async () => {
  google = await startFakeGoogle();
});
afterAll(async () => {
  await google.close();
});

function factory(requestsPerMinute: number) {
  return createGoogleAdapterFactory({
    apiRootUrl: google.rootUrl,
    tokenUrl: google.tokenUrl,
    requestsPerMinute,
    retry: { maxAttempts: 1 },
  });
}

describe("R17: calls to one Google account are paced under its quota", () => {
  // Time scaled down thirtyfold: 500 calls per 2 s, i.e. 15,000 a minute, well
  // within what this machine can send, so an unpaced burst would exceed it. (A
  // shorter window would turn a stalled event loop's bunched arrivals into 403s.)
  const QUOTA = { limit: 500, windowMs: 2_000 };
  const quotaPerMinute = (QUOTA.limit * 60_000) / QUOTA.windowMs;

  it("a burst of 1,000 calls from two bindings of one account gets no 403 at 90% of the quota", async () => {
    google.setQuota(QUOTA.limit, QUOTA.windowMs);
    const paced = factory(quotaPerMinute * 0.9);
    const first = googleAccount(google, {}, paced);
    // A second binding on the same account (same token): it shares the first one's pacer.
    const second = paced(first.credentials);
    const calendarId = (await first.adapter.findOrCreateCalendar("Burst")).id;
    const errorsBefore = google.rateLimitErrors;
    const started = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: 1_000 }, (_, i) => (i % 2 ? first.adapter : second).getEvent(calendarId, `missing${i}`)),
    );
    const elapsed = Date.now() - started;
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(google.rateLimitErrors - errorsBefore).toBe(0);
    // The pace really was held: 1,000 calls at 225/s take over four seconds.
    expect(elapsed).toBeGreaterThan((1_000 / (quotaPerMinute * 0.9)) * 60_000 * 0.95);
  });

  it("without pacing, a burst collects 403s (the quota the test relies on is real)", async () => {
    // A long window, so that however slow the machine, the burst lands inside it.
    google.setQuota(300, 10_000);
    const { adapter } = googleAccount(google, {}, factory(100_000_000));
    const calendarId = (await adapter.findOrCreateCalendar("Burst")).id;
    const errorsBefore = google.rateLimitErrors;
    const results = await Promise.allSettled(Array.from({ length: 400 }, (_, i) => adapter.getEvent(calendarId, `missing${i}`)));
    expect(google.rateLimitErrors - errorsBefore).toBeGreaterThan(0);
    expect(results.some((r) => r.status === "rejected" && (r.reason as Error).name === "RateLimited")).toBe(true);
  });
});

describe("issue 18: a routine poll waits to begin while many polls wait for the project's pace", () => {
  it("with two seconds of the project's pace already waiting, the next poll's turn comes as they drain", async () => {
    google.setQuota(1_000_000, 60_000);
    // 600 a minute for the project: ten a second, so twenty polls waiting are two seconds of it.
    const paced = createGoogleAdapterFactory({
      apiRootUrl: google.rootUrl,
      tokenUrl: google.tokenUrl,
      requestsPerMinute: 600_000,
      projectRequestsPerMinute: 600,
      retry: { maxAttempts: 1 },
    });
    const { adapter } = googleAccount(google, {}, paced);
    const calendar = await adapter.findOrCreateCalendar("Polled");
    const { syncToken } = await adapter.listChanges(calendar.id, { windowStart: "2026-01-01T00:00:00Z" });
    // Thirty polls at once: one goes, the rest wait for the project's pace.
    const polls = Array.from({ length: 30 }, () =>
      adapter.listChanges(calendar.id, { syncToken, windowStart: "2026-01-01T00:00:00Z", routine: true }),
    );
    const listedBefore = google.callLog.length;
    await new Promise((resolve) => setImmediate(resolve));
    const turn = adapter.pollTurn?.();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    // Its turn came once fewer than twenty waited: by then Google had seen the first ten go, a tenth of a second apart.
    expect(google.callLog.length - listedBefore).toBeGreaterThanOrEqual(9);
    const settled = await Promise.allSettled(polls);
    expect(settled.every((p) => p.status === "fulfilled")).toBe(true);
  }, 30_000);

  it("without a project's pace a poll begins at once", () => {
    const { adapter } = googleAccount(google);
    expect(adapter.pollTurn?.()).toBeUndefined();
  });
});
