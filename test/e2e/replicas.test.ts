// Issue 17 with real processes: three replicas on one PostgreSQL share 300
// bindings through leases; a replica killed hands its bindings over within
// two lease lifetimes with nothing lost or doubled; a replica frozen past its
// lease writes nothing when it wakes (fencing); a rolling restart loses nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type Cluster, calendarIdOf, LEASE_TTL_SECONDS, seedBindings, startCluster, stopped } from "./replica-cluster.js";

const BINDINGS = 300;
const NAMES = ["r1", "r2", "r3"];

const start = (days: number) => new Date(Date.now() + days * 86_400_000);

describe.skipIf(backend !== "postgres")("several replicas on one PostgreSQL (skipped on PGlite: it is one process's embedded database)", () => {
  let cluster: Cluster;
  let seeded: Awaited<ReturnType<typeof seedBindings>>;

  beforeAll(async () => {
    cluster = await startCluster(NAMES);
    seeded = await seedBindings(cluster, BINDINGS, 10);
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  /** Actors by binding, as any replica's API shows them. */
  const actors = async () => {
    const list = (await cluster.any().api("GET", "/api/actors")).body as { bindingId: string; state: string; replica: string | null }[];
    return new Map(list.map((a) => [a.bindingId, a]));
  };

  /** Replica name → how many bindings its lease covers, by the API; and whether every actor syncs. */
  const ownership = async () => {
    const all = await actors();
    const counts: Record<string, number> = {};
    for (const a of all.values()) counts[a.replica ?? "none"] = (counts[a.replica ?? "none"] ?? 0) + 1;
    const notSyncing = [...all.values()].filter((a) => a.state !== "incremental").map((a) => `${a.state} on ${a.replica}`);
    return { counts, notSyncing };
  };

  const addTask = (operatorId: string, subject: string) =>
    cluster
      .any()
      .api("POST", "/api/tasks", {
        eventTypeId: seeded.typeId,
        operatorId,
        subject,
        start: start(1).toISOString(),
        end: new Date(start(1).getTime() + 3_600_000).toISOString(),
      })
      .then((r) => r.body as { id: string; number: number });

  const eventsTitled = (calendarName: string, prefix: string) =>
    cluster.google.user.events("company@example.com", calendarIdOf(cluster.google, calendarName)!).filter((e) => e.summary?.startsWith(prefix));

  const tasksTitled = async (operatorId: string, subject: string) =>
    ((await cluster.any().api("GET", `/api/tasks?operatorId=${operatorId}`)).body.items as { subject: string }[]).filter(
      (t) => t.subject === subject,
    );

  it("every binding is run by exactly one replica, a fair share each", async () => {
    await expect.poll(ownership, { timeout: 90_000, interval: 1000 }).toEqual({ counts: { r1: 100, r2: 100, r3: 100 }, notSyncing: [] });
    // What each process runs (its own metrics) is what the leases say: no binding twice, none left out.
    const byApi = await actors();
    await expect
      .poll(
        async () => {
          const running = await cluster.running();
          const seen = [...running.values()].flatMap((ids) => [...ids]);
          const misplaced = [...running].flatMap(([name, ids]) => [...ids].filter((id) => byApi.get(id)?.replica !== name));
          return { total: seen.length, distinct: new Set(seen).size, misplaced: misplaced.length };
        },
        { timeout: 30_000 },
      )
      .toEqual({ total: BINDINGS, distinct: BINDINGS, misplaced: 0 });
  }, 150_000);

  it("a command sent to any replica reaches the one running the actor (NOTIFY)", async () => {
    const byApi = await actors();
    const binding = seeded.bindings.find((b) => byApi.get(b.bindingId)?.replica === "r2")!;
    const state = async () => (await cluster.replicas.get("r3")!.api("GET", `/api/actors/${binding.bindingId}`)).body.state;
    expect((await cluster.replicas.get("r1")!.api("POST", `/api/actors/${binding.bindingId}/pause`)).status).toBe(202);
    await expect.poll(state, { timeout: 30_000 }).toBe("paused");
    expect((await cluster.replicas.get("r3")!.api("POST", `/api/actors/${binding.bindingId}/resume`)).status).toBe(202);
    await expect.poll(state, { timeout: 30_000 }).toBe("incremental");
  }, 60_000);

  it("kill -9 of a replica: its bindings resume elsewhere within 2 × TTL; changes made meanwhile on both sides arrive once", async () => {
    const before = await actors();
    const victims = seeded.bindings.filter((b) => before.get(b.bindingId)?.replica === "r3");
    expect(victims.length).toBe(100);
    await cluster.replicas.get("r3")!.crash();
    const killedAt = Date.now();

    // Made while nobody runs these bindings: a CRM task, and an event in the calendar.
    const [crmSide, calendarSide] = victims;
    const task = await addTask(crmSide.operatorId, "Made during failover");
    const calendarId = calendarIdOf(cluster.google, calendarSide.calendarName)!;
    cluster.google.user.createEvent("company@example.com", calendarId, {
      summary: "Booked in the calendar during failover",
      start: { dateTime: start(2).toISOString() },
      end: { dateTime: new Date(start(2).getTime() + 3_600_000).toISOString() },
    });

    await expect
      .poll(
        async () => {
          const now = await actors();
          return victims.every((v) => ["r1", "r2"].includes(now.get(v.bindingId)?.replica ?? ""));
        },
        { timeout: 2 * LEASE_TTL_SECONDS * 1000 + 10_000, interval: 250 },
      )
      .toBe(true);
    console.info(`failover: the killed replica's bindings were claimed ${Date.now() - killedAt} ms after kill -9 (TTL ${LEASE_TTL_SECONDS} s)`);

    await expect.poll(() => eventsTitled(crmSide.calendarName, "Made during failover").length, { timeout: 60_000 }).toBe(1);
    expect(eventsTitled(crmSide.calendarName, "Made during failover")[0].summary).toBe(`Made during failover - (${task.number})`);
    await expect.poll(() => tasksTitled(calendarSide.operatorId, "Booked in the calendar during failover"), { timeout: 60_000 }).toHaveLength(1);
    await expect.poll(ownership, { timeout: 60_000, interval: 1000 }).toEqual({ counts: { r1: 150, r2: 150 }, notSyncing: [] });
    // One event per calendar-made task, even after both survivors ran passes over them.
    expect(eventsTitled(calendarSide.calendarName, "Booked in the calendar during failover")).toHaveLength(1);
  }, 150_000);

  it("a replica frozen past its lease and woken writes nothing: its late commit is refused (fencing)", async () => {
    const r2 = cluster.replicas.get("r2")!;
    const now = await actors();
    const binding = seeded.bindings.find((b) => now.get(b.bindingId)?.replica === "r2")!;
    const task = await addTask(binding.operatorId, "Fenced");
    await expect.poll(() => eventsTitled(binding.calendarName, "Fenced").length, { timeout: 30_000 }).toBe(1);
    const calendarId = calendarIdOf(cluster.google, binding.calendarName)!;
    const eventId = eventsTitled(binding.calendarName, "Fenced")[0].id;

    // r2's next write to this event is served by Google, but its answer is held: r2 freezes waiting for it.
    cluster.google.injectFaults({ method: "PUT", path: new RegExp(`/events/${eventId}$`), answerDelayMs: 2_000 });
    cluster.google.injectFaults({ method: "PATCH", path: new RegExp(`/events/${eventId}$`), answerDelayMs: 2_000 });
    const writes = cluster.google.writeCount(calendarId);
    await cluster.any().api("PATCH", `/api/tasks/${task.id}`, { subject: "Fenced, edited once" });
    await expect.poll(() => cluster.google.writeCount(calendarId), { timeout: 30_000, interval: 50 }).toBe(writes + 1);
    r2.child.kill("SIGSTOP");
    stopped.add(r2);
    cluster.google.clearFaults();

    // r1 takes the binding over and brings the calendar to a newer edit.
    await expect.poll(async () => (await actors()).get(binding.bindingId)?.replica, { timeout: 30_000, interval: 250 }).toBe("r1");
    await cluster.any().api("PATCH", `/api/tasks/${task.id}`, { subject: "Fenced, edited twice" });
    await expect
      .poll(() => eventsTitled(binding.calendarName, "Fenced")[0]?.summary, { timeout: 30_000 })
      .toBe(`Fenced, edited twice - (${task.number})`);
    const journal = async () =>
      (await cluster.any().api("GET", `/api/actors/${binding.bindingId}/journal?limit=200`)).body as {
        at: string;
        action: string;
        detail: string | null;
      }[];
    // r1 recorded its write, and nothing more waits.
    await expect.poll(async () => (await cluster.any().api("GET", `/api/actors/${binding.bindingId}`)).body.lag.push, { timeout: 30_000 }).toBe(0);
    const linesBefore = (await journal()).length;

    stopped.delete(r2);
    r2.child.kill("SIGCONT");
    // Its held answer arrives; the commit that follows is refused by the database and its actor stops.
    await expect
      .poll(
        () =>
          r2.output
            .join("")
            .split("\n")
            .some((line) => line.includes(binding.bindingId) && line.includes("lease is no longer this replica's")),
        { timeout: 30_000 },
      )
      .toBe(true);
    const after = await journal();
    expect(after.slice(0, after.length - linesBefore)).toEqual([]);
    expect(eventsTitled(binding.calendarName, "Fenced")).toHaveLength(1);
    expect(eventsTitled(binding.calendarName, "Fenced")[0].summary).toBe(`Fenced, edited twice - (${task.number})`);
    const stored = (await cluster.any().api("GET", `/api/tasks/${task.id}`)).body;
    expect(stored.subject).toBe("Fenced, edited twice");
  }, 120_000);

  it("a rolling restart (SIGTERM, start again, one replica at a time) loses nothing", async () => {
    if (!cluster.replicas.get("r3") || cluster.replicas.get("r3")!.child.signalCode) await cluster.start("r3");
    await expect.poll(ownership, { timeout: 60_000, interval: 1000 }).toEqual({ counts: { r1: 100, r2: 100, r3: 100 }, notSyncing: [] });
    const made: { calendarName: string; subject: string }[] = [];
    for (const [i, name] of NAMES.entries()) {
      const process = cluster.replicas.get(name)!;
      stopped.add(process);
      process.child.kill("SIGTERM");
      // Changes keep coming while the replica stops and starts again.
      const during = seeded.bindings.slice(i * 10, i * 10 + 5);
      for (const b of during) {
        const subject = `Rolling ${name} ${b.calendarName}`;
        await addTask(b.operatorId, subject);
        made.push({ calendarName: b.calendarName, subject });
      }
      expect(await process.exit).toBe(0);
      await cluster.start(name);
    }
    await expect.poll(() => made.filter((m) => eventsTitled(m.calendarName, m.subject).length !== 1).length, { timeout: 60_000 }).toBe(0);
    await expect.poll(ownership, { timeout: 60_000, interval: 1000 }).toEqual({ counts: { r1: 100, r2: 100, r3: 100 }, notSyncing: [] });
  }, 180_000);
});
