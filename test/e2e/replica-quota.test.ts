// Issue 17, R17 for the cluster: three replicas whose bindings all sign in to
// one Google account keep, together, under the account's quota (a budget
// shared in PostgreSQL), and each still sends writes before polls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type Cluster, calendarIdOf, seedBindings, startCluster } from "./replica-cluster.js";

const QUOTA_PER_MINUTE = 120;

describe.skipIf(backend !== "postgres")("three replicas on one Google account (skipped on PGlite: replicas need PostgreSQL)", () => {
  let cluster: Cluster;
  let seeded: Awaited<ReturnType<typeof seedBindings>>;

  beforeAll(async () => {
    cluster = await startCluster(["q1", "q2", "q3"], { quotaPerMinute: QUOTA_PER_MINUTE });
    // Each replica paces the account at the full quota, and polls every second ask far more than it allows.
    seeded = await seedBindings(cluster, 9, 1, QUOTA_PER_MINUTE);
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it("R17: together they stay under the account's quota, with no rate-limit error, and CRM changes still go out", async () => {
    const api = () => cluster.any().api;
    await expect
      .poll(
        async () => {
          const actors = (await api()("GET", "/api/actors")).body as { state: string; replica: string | null }[];
          return { incremental: actors.filter((a) => a.state === "incremental").length, replicas: new Set(actors.map((a) => a.replica)).size };
        },
        { timeout: 90_000, interval: 1000 },
      )
      .toEqual({ incremental: 9, replicas: 3 });

    // Writes wait behind no poll: each replica sends its binding's new task at its next free call.
    const made = seeded.bindings.slice(0, 6).map((b, i) => ({ ...b, subject: `Under quota ${i}` }));
    const tomorrow = new Date(Date.now() + 86_400_000);
    for (const m of made) {
      await api()("POST", "/api/tasks", {
        eventTypeId: seeded.typeId,
        operatorId: m.operatorId,
        subject: m.subject,
        start: tomorrow.toISOString(),
        end: new Date(tomorrow.getTime() + 3_600_000).toISOString(),
      });
    }
    const arrived = () =>
      made.filter((m) =>
        cluster.google.user
          .events("company@example.com", calendarIdOf(cluster.google, m.calendarName)!)
          .some((e) => e.summary?.startsWith(m.subject)),
      ).length;
    await expect.poll(arrived, { timeout: 60_000, interval: 500 }).toBe(made.length);

    expect(cluster.google.rateLimitErrors).toBe(0);
    // The busiest minute the fake saw: at most the quota.
    const times = cluster.google.callLog.filter((c) => c.account === "company@example.com").map((c) => c.at);
    let busiest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] >= 60_000) j++;
      busiest = Math.max(busiest, i - j + 1);
    }
    expect(busiest).toBeLessThanOrEqual(QUOTA_PER_MINUTE);
    // And the replicas used the quota rather than idling under it: the polls kept the pace near its limit.
    const perMinute = (times.length - 1) / ((times.at(-1)! - times[0]) / 60_000);
    expect(perMinute).toBeGreaterThan(QUOTA_PER_MINUTE * 0.6);
  }, 180_000);
});
