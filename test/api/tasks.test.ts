import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`tasks API (${backend})`, () => {
  let api: ApiHarness;
  let typeId: string;
  let otherTypeId: string;
  let operatorId: string;
  let otherOperatorId: string;
  beforeAll(async () => {
    api = await openApi();
    typeId = (await api.create("/api/event-types", { name: "Offer", googleSync: true })).id;
    otherTypeId = (await api.create("/api/event-types", { name: "Visit", googleSync: true })).id;
    operatorId = (await api.create("/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true })).id;
    otherOperatorId = (await api.create("/api/operators", { name: "Bob", googleEnabled: true, useConfigToken: true })).id;
  });
  afterAll(() => api?.close());

  const timed = (subject: string, day = "2026-12-01") => ({
    eventTypeId: typeId,
    operatorId,
    subject,
    start: `${day}T09:00:00+01:00`,
    end: `${day}T10:30:00+01:00`,
  });

  it("R7: a timed task gets a number, defaults and its version", async () => {
    const task = await api.create("/api/tasks", { ...timed("Sales offer"), timeZone: "Europe/Warsaw", features: { Budget: "10k" } });
    expect(task).toEqual({
      id: expect.any(String),
      number: expect.stringMatching(/^\d+\/\d{4}$/),
      eventTypeId: typeId,
      operatorId,
      subject: "Sales offer",
      description: "",
      location: "",
      customer: "",
      priority: "normal",
      status: "open",
      start: "2026-12-01T09:00:00+01:00",
      end: "2026-12-01T10:30:00+01:00",
      allDay: false,
      timeZone: "Europe/Warsaw",
      features: { Budget: "10k" },
      deleted: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      version: 1,
    });
    expect((await api.call("GET", `/api/tasks/${task.id}`)).body).toEqual(task);
  });

  it("R7: timed tasks without a zone read back in UTC; the instant is kept", async () => {
    const task = await api.create("/api/tasks", timed("No zone"));
    expect(task.start).toBe("2026-12-01T08:00:00Z");
    expect(task.timeZone).toBeNull();
  });

  it("R7: an all-day task takes dates with an inclusive end", async () => {
    const task = await api.create("/api/tasks", {
      eventTypeId: typeId,
      operatorId,
      subject: "Fair",
      start: "2026-05-04",
      end: "2026-05-06",
      allDay: true,
      priority: "high",
      status: "done",
      customer: "ACME",
      location: "Poznań",
      description: "Stand 4",
    });
    expect(task).toMatchObject({ start: "2026-05-04", end: "2026-05-06", allDay: true, priority: "high", status: "done" });
    const oneDay = await api.create("/api/tasks", { ...timed("One day"), start: "2026-05-04", end: "2026-05-04", allDay: true });
    expect(oneDay.end).toBe("2026-05-04");
  });

  it("PATCH changes fields, bumps the version, and validates the merged task", async () => {
    const task = await api.create("/api/tasks", timed("Patch me"));
    const changed = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "Patched", status: "done" });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ subject: "Patched", status: "done", number: task.number, version: 2 });

    // Switching to all-day needs both dates in the new form.
    const halfway = await api.call("PATCH", `/api/tasks/${task.id}`, { allDay: true });
    expect(halfway.status).toBe(400);
    expect(halfway.body.error.details.map((d: { path: string }) => d.path)).toEqual(["start", "end"]);
    const allDay = await api.call("PATCH", `/api/tasks/${task.id}`, { allDay: true, start: "2026-12-01", end: "2026-12-02" });
    expect(allDay.body).toMatchObject({ allDay: true, start: "2026-12-01", end: "2026-12-02", version: 3 });

    const early = await api.call("PATCH", `/api/tasks/${task.id}`, { end: "2026-11-30" });
    expect(early.status).toBe(400);
    expect(early.body.error.details[0].path).toBe("end");
    expect((await api.call("GET", `/api/tasks/${task.id}`)).body.version).toBe(3);
  });

  it("PATCH with If-Match applies only to that version (412 otherwise, nothing written); GET and PATCH give the version as ETag", async () => {
    const task = await api.create("/api/tasks", timed("Versioned"));
    const read = await api.call("GET", `/api/tasks/${task.id}`);
    expect(read.headers.get("etag")).toBe('"1"');
    const ok = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "Second" }, { headers: { "if-match": '"1"' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("etag")).toBe('"2"');
    const stale = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "Lost?" }, { headers: { "if-match": '"1"' } });
    expect(stale.status).toBe(412);
    expect(stale.body.error).toMatchObject({ code: "precondition_failed", message: expect.stringContaining("version 2") });
    expect((await api.call("GET", `/api/tasks/${task.id}`)).body).toMatchObject({ subject: "Second", version: 2 });
    const bad = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "x" }, { headers: { "if-match": "yesterday" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("if-match");
  });

  it("PATCH writes only the fields it was sent: a change made meanwhile to another field is kept", async () => {
    const task = await api.create("/api/tasks", { ...timed("Two writers"), location: "Kraków" });
    // Another writer (the calendar side, another CRM client) changes the location after this client read the task...
    await api.database.db.execute(sql`update tasks set location = 'Gdańsk' where id = ${task.id}`);
    // ...and the client, which still holds the old task, sends only the subject.
    const changed = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "Renamed" });
    expect(changed.body).toMatchObject({ subject: "Renamed", location: "Gdańsk" });
    const empty = await api.call("PATCH", `/api/tasks/${task.id}`, {});
    expect(empty.body).toMatchObject({ subject: "Renamed", location: "Gdańsk", version: changed.body.version });
  });

  it("R11: a task can move to another operator and type", async () => {
    const task = await api.create("/api/tasks", timed("Move me"));
    const moved = await api.call("PATCH", `/api/tasks/${task.id}`, { operatorId: otherOperatorId, eventTypeId: otherTypeId });
    expect(moved.body).toMatchObject({ operatorId: otherOperatorId, eventTypeId: otherTypeId });
    const missing = "00000000-0000-4000-8000-000000000000";
    const nowhere = await api.call("PATCH", `/api/tasks/${task.id}`, { operatorId: missing });
    expect(nowhere.status).toBe(422);
    expect(nowhere.body.error.details[0].path).toBe("operatorId");
  });

  it("R7: DELETE leaves a tombstone; it can be read but not changed", async () => {
    const task = await api.create("/api/tasks", timed("Delete me"));
    expect((await api.call("DELETE", `/api/tasks/${task.id}`)).status).toBe(204);
    const tombstone = await api.call("GET", `/api/tasks/${task.id}`);
    expect(tombstone.body).toMatchObject({ id: task.id, deleted: true, number: task.number });
    expect((await api.call("DELETE", `/api/tasks/${task.id}`)).status).toBe(204);
    const patch = await api.call("PATCH", `/api/tasks/${task.id}`, { subject: "back" });
    expect(patch.status).toBe(409);
    expect((await api.call("DELETE", "/api/tasks/00000000-0000-4000-8000-000000000000")).status).toBe(404);
  });

  describe("listing", () => {
    let operator: string;
    const subjects = (answer: { body: { items: { subject: string }[] } }) => answer.body.items.map((t) => t.subject);
    beforeAll(async () => {
      operator = (await api.create("/api/operators", { name: "Lister", googleEnabled: false, useConfigToken: false })).id;
      const base = { eventTypeId: typeId, operatorId: operator };
      for (let i = 0; i < 7; i++) {
        await api.create("/api/tasks", { ...base, subject: `page ${i}`, start: "2026-01-10T10:00:00Z", end: "2026-01-10T11:00:00Z" });
      }
      await api.create("/api/tasks", { ...base, subject: "march", start: "2026-03-01T23:30:00Z", end: "2026-03-02T00:30:00Z" });
      await api.create("/api/tasks", { ...base, subject: "april all-day", start: "2026-04-01", end: "2026-04-03", allDay: true });
      const gone = await api.create("/api/tasks", { ...base, subject: "gone", start: "2026-04-02", end: "2026-04-02", allDay: true });
      await api.call("DELETE", `/api/tasks/${gone.id}`);
    });

    it("pages with an opaque cursor, oldest first, without gaps or repeats", async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await api.call("GET", `/api/tasks?operatorId=${operator}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.status).toBe(200);
        seen.push(...subjects(page));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...Array.from({ length: 7 }, (_, i) => `page ${i}`), "march", "april all-day"]);
    });

    it("tombstones only with includeDeleted=true", async () => {
      const live = await api.call("GET", `/api/tasks?operatorId=${operator}`);
      expect(subjects(live)).not.toContain("gone");
      expect(live.body.nextCursor).toBeUndefined();
      const all = await api.call("GET", `/api/tasks?operatorId=${operator}&includeDeleted=true`);
      expect(subjects(all)).toContain("gone");
    });

    it("from/to select tasks overlapping the span, taking dates or instants", async () => {
      const query = (q: string) => api.call("GET", `/api/tasks?operatorId=${operator}&${q}`).then(subjects);
      expect(await query("from=2026-03-01&to=2026-03-31")).toEqual(["march"]);
      // 23:30Z on March 1 is March 2 in Warsaw; the instant form is exact.
      expect(await query("from=2026-03-02T00:00:00Z&to=2026-03-02T00:10:00Z")).toEqual(["march"]);
      expect(await query("from=2026-04-03&to=2026-04-03")).toEqual(["april all-day"]);
      expect(await query("from=2026-04-04")).toEqual([]);
      expect(await query("to=2026-01-10T09:59:00Z")).toEqual([]);
      expect(await query(`eventTypeId=${otherTypeId}`)).toEqual([]);
    });

    it("bad list queries name the parameter", async () => {
      for (const [q, field] of [
        ["limit=0", "limit"],
        ["limit=501", "limit"],
        ["from=yesterday", "from"],
        ["cursor=garbage", "cursor"],
        ["operatorId=42", "operatorId"],
        ["includeDeleted=yes", "includeDeleted"],
        ["from=2026-05-01&to=2026-04-01", "to"],
        ["colour=red", "colour"],
      ]) {
        const answer = await api.call("GET", `/api/tasks?${q}`);
        expect(answer.status, q).toBe(400);
        expect(answer.body.error.details[0].path, q).toBe(field);
      }
    });
  });
});
