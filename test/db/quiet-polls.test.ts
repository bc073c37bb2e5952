import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimLeases, renewLeases } from "../../db/queries/leases.js";
import { type QuietPoll, recordQuietPoll } from "../../db/queries/polls.js";
import { bindingLeases, bindingState, bindings, eventTypes, operators, tasks } from "../../db/schema.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

// Polls that end together share one statement: each must still get exactly the
// answer it would have had alone (its token recorded only if the row still
// holds the one it listed with; whether a CRM change waits for its calendar).
describe(`quiet polls recorded together (${backend})`, () => {
  let database: TestDatabase;
  let operatorId: string;
  const at = new Date("2026-12-06T10:00:00Z");
  const window = { startDate: "2026-11-01", startInstant: new Date("2026-11-01T00:00:00Z") };

  beforeAll(async () => {
    database = await openTestDatabase();
    [{ id: operatorId }] = await database.db.insert(operators).values({ name: "Ola" }).returning();
  });
  afterAll(() => database?.close());

  /** A binding that has pulled once: calendar `cal-<n>`, token `t0`, nothing waiting. */
  async function pulledBinding(n: number, owner = operatorId) {
    const [type] = await database.db
      .insert(eventTypes)
      .values({ name: `Type ${n} ${randomUUID()}`, syncEnabled: true })
      .returning();
    const [binding] = await database.db
      .insert(bindings)
      .values({ operatorId: owner, eventTypeId: type.id, calendarName: `Cal ${n}` })
      .returning();
    await database.db
      .insert(bindingState)
      .values({ bindingId: binding.id, calendarId: `cal-${n}`, syncToken: "t0", pushPendingSince: null, watchChannelId: `ch-${n}` });
    return { id: binding.id, operatorId: owner, eventTypeId: type.id };
  }

  const poll = (binding: QuietPoll["binding"], n: number, syncToken = "t0"): QuietPoll => ({
    binding,
    calendarId: `cal-${n}`,
    syncToken,
    nextSyncToken: `t1-${n}`,
    at,
    window,
  });

  const tokenOf = async (bindingId: string) =>
    (await database.db.select({ syncToken: bindingState.syncToken }).from(bindingState).where(eq(bindingState.bindingId, bindingId)))[0].syncToken;

  it("gives each poll of one batch its own answer", async () => {
    const quiet = await pulledBinding(1);
    const reset = await pulledBinding(2);
    const waitingTask = await pulledBinding(3);
    const marked = await pulledBinding(4);
    const pastTask = await pulledBinding(5);
    // A new task in the window waits for binding 3; one that ended before the window does not count for 5.
    await database.db.insert(tasks).values({
      subject: "new",
      operatorId,
      eventTypeId: waitingTask.eventTypeId,
      startAt: new Date("2026-12-10T09:00:00Z"),
      endAt: new Date("2026-12-10T10:00:00Z"),
    });
    await database.db.insert(tasks).values({
      subject: "old",
      operatorId,
      eventTypeId: pastTask.eventTypeId,
      startAt: new Date("2026-10-10T09:00:00Z"),
      endAt: new Date("2026-10-10T10:00:00Z"),
    });
    // The tasks trigger marks pending pushes: clear it for 3 and 5 so the answer comes from the tasks themselves.
    for (const b of [waitingTask, pastTask]) {
      await database.db.update(bindingState).set({ pushPendingSince: null }).where(eq(bindingState.bindingId, b.id));
    }
    await database.db.update(bindingState).set({ pushPendingSince: at }).where(eq(bindingState.bindingId, marked.id));

    const answers = await Promise.all([
      recordQuietPoll(database.db, poll(quiet, 1)),
      recordQuietPoll(database.db, poll(reset, 2, "a-token-since-replaced")),
      recordQuietPoll(database.db, poll(waitingTask, 3)),
      recordQuietPoll(database.db, poll(marked, 4)),
      recordQuietPoll(database.db, poll(pastTask, 5)),
    ]);

    expect(answers[0]).toEqual({
      state: { calendarId: "cal-1", watchChannelId: "ch-1", watchResourceId: null, watchExpiresAt: null, watchProven: false },
      pushWaiting: false,
    });
    expect(answers[1]).toBeNull();
    expect(answers[2]?.pushWaiting).toBe(true);
    expect(answers[3]?.pushWaiting).toBe(true);
    expect(answers[4]?.pushWaiting).toBe(false);
    expect(await tokenOf(quiet.id)).toBe("t1-1");
    expect(await tokenOf(reset.id)).toBe("t0");
    expect(await tokenOf(waitingTask.id)).toBe("t1-3");
  });

  it("answers a poll alone the same way", async () => {
    const alone = await pulledBinding(6);
    expect(await recordQuietPoll(database.db, poll(alone, 6))).toMatchObject({ state: { calendarId: "cal-6" }, pushWaiting: false });
    expect(await tokenOf(alone.id)).toBe("t1-6");
  });

  it.runIf(backend === "postgres")("records the others when the replica lost one binding's lease", async () => {
    const replica = randomUUID();
    const engine = database.forReplica(replica);
    const held = await pulledBinding(7);
    const lost = await pulledBinding(8);
    await database.db.insert(bindingLeases).values([
      { bindingId: held.id, owner: replica, expiresAt: new Date(Date.now() + 60_000) },
      { bindingId: lost.id, owner: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    ]);
    const [kept, refused] = await Promise.allSettled([recordQuietPoll(engine, poll(held, 7)), recordQuietPoll(engine, poll(lost, 8))]);
    expect(kept).toMatchObject({ status: "fulfilled", value: { state: { calendarId: "cal-7" } } });
    expect(refused).toMatchObject({ status: "rejected", reason: { cause: { code: "TCL01" } } });
    expect(await tokenOf(held.id)).toBe("t1-7");
    expect(await tokenOf(lost.id)).toBe("t0");
  });

  it.runIf(backend === "postgres")("a write under a lease holds off other replicas' claims, not its own replica's heartbeat", async () => {
    const replica = randomUUID();
    const engine = database.forReplica(replica);
    const [syncing] = await database.db.insert(operators).values({ name: "Piotr", syncEnabled: true }).returning();
    const binding = await pulledBinding(9, syncing.id);
    await database.db.insert(bindingLeases).values({ bindingId: binding.id, owner: replica, expiresAt: new Date(Date.now() + 60_000) });
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let wrote!: () => void;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const write = engine.transaction(async (tx) => {
      await tx.update(bindingState).set({ lastSyncAt: at }).where(eq(bindingState.bindingId, binding.id));
      wrote();
      await finished;
    });
    await written;
    // The heartbeat renews the lease while the write is open (it used to wait for it, and deadlock with batches of them).
    expect(await renewLeases(database.db, replica, 30)).toContainEqual(expect.objectContaining({ bindingId: binding.id }));
    // Expired, the lease is still not another replica's while the write under it is open...
    await database.db
      .update(bindingLeases)
      .set({ expiresAt: new Date(Date.now() - 1_000) })
      .where(eq(bindingLeases.bindingId, binding.id));
    const other = randomUUID();
    expect(await claimLeases(database.db, other, 30, 100)).not.toContainEqual(expect.objectContaining({ bindingId: binding.id }));
    finish();
    await write;
    // ...and is once it committed.
    expect(await claimLeases(database.db, other, 30, 100)).toContainEqual(expect.objectContaining({ bindingId: binding.id }));
  });
});
