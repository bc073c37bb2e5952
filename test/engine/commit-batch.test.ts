// The outcomes of writes in flight commit together (engine/commit-batch.ts):
// each item's link, journal line and counters still land whole, and an item
// whose commit cannot succeed fails alone.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Effects } from "../../db/queries/sync-effects.js";
import { bindingState, bindings, eventTypes, journal, links, operators, tasks } from "../../db/schema.js";
import { CommitBatch } from "../../engine/commit-batch.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

describe(`writes' outcomes committed together (${backend})`, () => {
  let database: TestDatabase;
  let bindingId: string;
  let taskIds: string[];
  beforeAll(async () => {
    database = await openTestDatabase();
    const { db } = database;
    const [{ id: eventTypeId }] = await db.insert(eventTypes).values({ name: "Meeting", syncEnabled: true }).returning();
    const [{ id: operatorId }] = await db.insert(operators).values({ name: "Anna" }).returning();
    [{ id: bindingId }] = await db.insert(bindings).values({ operatorId, eventTypeId, calendarName: "Work" }).returning();
    await db.insert(bindingState).values({ bindingId }).onConflictDoNothing();
    const rows = await db
      .insert(tasks)
      .values(
        ["a", "b", "c"].map((subject) => ({
          subject,
          operatorId,
          eventTypeId,
          startAt: new Date("2026-12-01T09:00:00Z"),
          endAt: new Date("2026-12-01T10:00:00Z"),
        })),
      )
      .returning();
    taskIds = rows.map((row) => row.id);
  });
  afterAll(() => database?.close());

  // What the calendar showed, empty fields included: the next merge's ancestor.
  const shown = (remoteId: string) =>
    ({ summary: remoteId, description: null, location: null, start: { dateTime: "2026-12-01T09:00:00Z" } }) as never;
  const created = (taskId: string, remoteId: string): Effects => ({
    link: {
      taskId,
      calendarId: "cal",
      remoteId,
      etag: `"${remoteId}"`,
      syncedVersion: 1,
      resource: { id: remoteId, attendees: [] },
      shown: shown(remoteId),
    },
    journal: [{ direction: "crm-to-calendar", action: "create", taskId, remoteId, outcome: "ok", detail: null }],
    counters: { pushed: 1 },
  });

  it("each outcome's link, journal line and count land, and one whose task is gone fails alone", async () => {
    const { db } = database;
    const batch = new CommitBatch(db, bindingId);
    // Arriving together: the first commits at once, the rest share the next commit, where the bad one is.
    const outcomes = await Promise.allSettled([
      batch.commit(created(taskIds[0], "ev-a")),
      batch.commit(created(randomUUID(), "ev-gone")),
      batch.commit(created(taskIds[1], "ev-b")),
      batch.commit(created(taskIds[2], "ev-c")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);

    const linked = await db.select().from(links).where(eq(links.bindingId, bindingId));
    expect(linked.map((l) => l.remoteId).sort()).toEqual(["ev-a", "ev-b", "ev-c"]);
    expect(linked.find((l) => l.remoteId === "ev-b")?.shown).toEqual(shown("ev-b"));
    const lines = await db.select().from(journal).where(eq(journal.bindingId, bindingId));
    expect(lines.map((line) => line.remoteId).sort()).toEqual(["ev-a", "ev-b", "ev-c"]);
    const [state] = await db.select().from(bindingState).where(eq(bindingState.bindingId, bindingId));
    expect(state.pushed).toBe(3);
  });
});
