// Issue 17: push notices reach the replica running the binding. Every
// replica gives Google r1's address for its channels (one public address
// in front of the cluster), so r2's notices all arrive at r1, which passes
// them on through NOTIFY; polling is hourly, so only a notice brings an edit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { freePort } from "../../testkit/ports.js";
import { type Cluster, calendarIdOf, seedBindings, startCluster } from "./replica-cluster.js";

describe.skipIf(backend !== "postgres")("push notices with several replicas (skipped on PGlite: replicas need PostgreSQL)", () => {
  let cluster: Cluster;
  let seeded: Awaited<ReturnType<typeof seedBindings>>;

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}/`;
    cluster = await startCluster(["r1", "r2"], { env: (name) => ({ PUBLIC_URL: publicUrl, ...(name === "r1" ? { PORT: String(port) } : {}) }) });
    seeded = await seedBindings(cluster, 4, 3600);
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it("an edit in a calendar r2 runs arrives through a notice that came to r1", async () => {
    const r1 = cluster.replicas.get("r1")!;
    const actors = async () => (await r1.api("GET", "/api/actors")).body as { bindingId: string; state: string; replica: string | null }[];
    await expect
      .poll(
        async () => {
          const list = await actors();
          return {
            incremental: list.filter((a) => a.state === "incremental").length,
            onR2: list.filter((a) => a.replica === "r2").length,
            channels: cluster.google.activeChannels().length,
          };
        },
        { timeout: 60_000, interval: 500 },
      )
      .toEqual({ incremental: 4, onR2: 2, channels: 4 });
    const onR2 = (await actors()).find((a) => a.replica === "r2")!;
    const binding = seeded.bindings.find((b) => b.bindingId === onR2.bindingId)!;
    const when = new Date(Date.now() + 86_400_000);
    cluster.google.user.createEvent("company@example.com", calendarIdOf(cluster.google, binding.calendarName)!, {
      summary: "Booked where r2 runs",
      start: { dateTime: when.toISOString() },
      end: { dateTime: new Date(when.getTime() + 3_600_000).toISOString() },
    });
    await expect
      .poll(
        async () =>
          ((await r1.api("GET", `/api/tasks?operatorId=${binding.operatorId}`)).body.items as { subject: string }[]).filter(
            (t) => t.subject === "Booked where r2 runs",
          ).length,
        { timeout: 30_000 },
      )
      .toBe(1);
  }, 120_000);
});
