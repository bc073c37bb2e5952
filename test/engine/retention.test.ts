// The daily retention job: old journal entries, synced tombstones from before
// the window and long-resolved failures go, in small batches; what may still
// matter stays; types and operators held only by purged tombstones can then be
// deleted through the API.
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { bindings, journal, links, syncFailures, tasks } from "../../db/schema.js";
import { type Purged, RetentionJob } from "../../engine/retention.js";
import { createLogger } from "../../logger.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "../api/api-harness.js";

let api: ApiHarness;
afterEach(() => api?.close());

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

describe(`retention (${backend})`, () => {
  it("purges old journal entries, synced old tombstones and long-resolved failures in batches, keeping the rest", async () => {
    api = await openApi();
    const { db } = api.database;
    // A type and an operator whose only task becomes an old tombstone.
    const oldType = await api.create("/api/event-types", { name: "Old type", googleSync: true });
    const oldOperator = await api.create("/api/operators", { name: "Former employee", googleEnabled: false, useConfigToken: true });
    const gone = await api.create("/api/tasks", {
      eventTypeId: oldType.id,
      operatorId: oldOperator.id,
      subject: "Long gone",
      start: soon(1),
      end: soon(2),
    });
    // A bound type whose tombstones are linked (the calendar has not seen the deletion) or recent.
    const type = await api.create("/api/event-types", { name: "Meeting", googleSync: true });
    const operator = await api.create("/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true });
    const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "Anna" }).returning();
    const task = (subject: string) =>
      api.create("/api/tasks", { eventTypeId: type.id, operatorId: operator.id, subject, start: soon(1), end: soon(2) });
    const linked = await task("Old, event not yet deleted");
    const recent = await task("Deleted today");
    const alive = await task("Alive");
    await db.insert(links).values({ taskId: linked.id, bindingId: binding.id, calendarId: "c", remoteId: "r1", etag: "e", syncedVersion: 1 });
    for (const t of [gone, linked, recent]) expect((await api.call("DELETE", `/api/tasks/${t.id}`)).status).toBe(204);
    await db
      .update(tasks)
      .set({ deletedAt: daysAgo(200) })
      .where(sql`${tasks.id} in (${gone.id}, ${linked.id})`);
    expect((await api.call("DELETE", `/api/event-types/${oldType.id}`)).status).toBe(409);
    expect((await api.call("DELETE", `/api/operators/${oldOperator.id}`)).status).toBe(409);

    const entry = (at: Date, action: string) => ({ bindingId: binding.id, at, direction: "crm-to-calendar", action, outcome: "ok" });
    await db
      .insert(journal)
      .values([...[91, 120, 400].map((days) => entry(daysAgo(days), `old ${days}`)), ...[1, 89].map((days) => entry(daysAgo(days), `kept ${days}`))]);
    const failure = (item: string, resolvedAt: Date | null) => ({
      bindingId: binding.id,
      item,
      direction: "crm-to-calendar",
      code: "refused",
      message: "refused",
      firstAt: daysAgo(30),
      resolvedAt,
    });
    await db.insert(syncFailures).values([failure("task:a", daysAgo(2)), failure("task:b", new Date()), failure("task:c", null)]);

    const reported: Purged[] = [];
    const job = new RetentionJob({ db, logger: createLogger("silent"), journalDays: 90, batchSize: 2, pauseMs: 0, onDone: (p) => reported.push(p) });
    expect(await job.run()).toEqual({ journal: 3, tombstones: 1, failures: 1 });
    expect(reported).toEqual([{ journal: 3, tombstones: 1, failures: 1 }]);

    expect((await db.select({ action: journal.action }).from(journal)).map((r) => r.action).sort()).toEqual(["kept 1", "kept 89"]);
    const left = await db.select({ id: tasks.id }).from(tasks);
    expect(left.map((r) => r.id).sort()).toEqual([linked.id, recent.id, alive.id].sort());
    expect((await db.select({ item: syncFailures.item }).from(syncFailures)).map((r) => r.item).sort()).toEqual(["task:b", "task:c"]);
    // Purged tombstones no longer hold their type and operator.
    expect((await api.call("DELETE", `/api/event-types/${oldType.id}`)).status).toBe(204);
    expect((await api.call("DELETE", `/api/operators/${oldOperator.id}`)).status).toBe(204);
    // A second run finds nothing more.
    expect(await job.run()).toEqual({ journal: 0, tombstones: 0, failures: 0 });
    // The purge went around the tombstone trigger only for itself: a hard delete by a client still leaves a tombstone.
    await db.delete(tasks).where(eq(tasks.id, alive.id));
    expect((await db.select({ deleted: tasks.deleted }).from(tasks).where(eq(tasks.id, alive.id)))[0]).toEqual({ deleted: true });
  });

  it("runs by itself after start and stops cleanly", async () => {
    api = await openApi();
    const done: Purged[] = [];
    const job = new RetentionJob({
      db: api.database.db,
      logger: createLogger("silent"),
      journalDays: 90,
      firstRunMs: 10,
      onDone: (p) => done.push(p),
    });
    job.start();
    await expect.poll(() => done).toEqual([{ journal: 0, tombstones: 0, failures: 0 }]);
    await job.stop();
  });
});
