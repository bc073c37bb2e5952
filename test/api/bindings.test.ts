import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindingState, links, tasks } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`operator calendars API (${backend})`, () => {
  let api: ApiHarness;
  let offers: string;
  let visits: string;
  let unsynced: string;
  beforeAll(async () => {
    api = await openApi();
    offers = (await api.create("/api/event-types", { name: "Offers", googleSync: true })).id;
    visits = (await api.create("/api/event-types", { name: "Visits", googleSync: true })).id;
    unsynced = (await api.create("/api/event-types", { name: "Internal", googleSync: false })).id;
  });
  afterAll(() => api?.close());

  const operator = (name: string, useConfigToken: boolean) => api.create("/api/operators", { name, googleEnabled: true, useConfigToken });
  const put = (operatorId: string, body: unknown) => api.call("PUT", `/api/operators/${operatorId}/calendars`, body);

  it("R5: PUT replaces the set; GET lists it", async () => {
    const op = await operator("Replace", false);
    expect((await api.call("GET", `/api/operators/${op.id}/calendars`)).body).toEqual([]);
    const first = await put(op.id, [
      { eventTypeId: offers, calendarName: " Offers " },
      { eventTypeId: visits, calendarName: "Visits" },
    ]);
    expect(first.status).toBe(200);
    expect(first.body).toEqual([
      { bindingId: expect.any(String), eventTypeId: offers, calendarName: "Offers" },
      { bindingId: expect.any(String), eventTypeId: visits, calendarName: "Visits" },
    ]);
    expect((await api.call("GET", `/api/operators/${op.id}/calendars`)).body).toEqual(first.body);

    const second = await put(op.id, [{ eventTypeId: offers, calendarName: "Offers" }]);
    expect(second.body).toEqual([first.body[0]]);
    expect((await put(op.id, [])).body).toEqual([]);
  });

  it("R5: an unchanged pair keeps its binding; a new name for a type drops its sync state and links", async () => {
    const op = await operator("Rename", false);
    const [kept, renamed] = (
      await put(op.id, [
        { eventTypeId: offers, calendarName: "A" },
        { eventTypeId: visits, calendarName: "B" },
      ])
    ).body;
    const db = api.database.db;
    await db.insert(bindingState).values([{ bindingId: kept.bindingId }, { bindingId: renamed.bindingId }]);
    const [task] = await db
      .insert(tasks)
      .values({ eventTypeId: visits, operatorId: op.id, subject: "t", startDate: "2026-01-01", endDate: "2026-01-01", allDay: true })
      .returning();
    await db.insert(links).values({ taskId: task.id, bindingId: renamed.bindingId, calendarId: "cal", remoteId: "r", syncedVersion: 1 });

    const after = await put(op.id, [
      { eventTypeId: offers, calendarName: "A" },
      { eventTypeId: visits, calendarName: "C" },
    ]);
    expect(after.body).toEqual([kept, { ...renamed, calendarName: "C" }]);
    expect(await db.select().from(bindingState).where(eq(bindingState.bindingId, kept.bindingId))).toHaveLength(1);
    expect(await db.select().from(bindingState).where(eq(bindingState.bindingId, renamed.bindingId))).toHaveLength(0);
    expect(await db.select().from(links).where(eq(links.bindingId, renamed.bindingId))).toHaveLength(0);
  });

  it("R5: a type whose googleSync is false is refused with 422, nothing written", async () => {
    const op = await operator("Unsynced", false);
    const refused = await put(op.id, [
      { eventTypeId: offers, calendarName: "Fine" },
      { eventTypeId: unsynced, calendarName: "Nope" },
    ]);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("type_not_synchronized");
    expect(refused.body.error.details[0].path).toBe("[1].eventTypeId");
    expect((await api.call("GET", `/api/operators/${op.id}/calendars`)).body).toEqual([]);
  });

  it("an unknown type is refused with 422 naming its index; an unknown operator is 404", async () => {
    const op = await operator("Unknown", false);
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await put(op.id, [{ eventTypeId: missing, calendarName: "X" }]);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0].path).toBe("[0].eventTypeId");
    expect((await put(missing, [])).status).toBe(404);
    expect((await api.call("GET", `/api/operators/${missing}/calendars`)).status).toBe(404);
  });

  it("one binding per (operator, type): a type twice in the body is refused", async () => {
    const op = await operator("Twice", false);
    const refused = await put(op.id, [
      { eventTypeId: offers, calendarName: "X" },
      { eventTypeId: offers, calendarName: "Y" },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe("[1].eventTypeId");
  });

  it("R5: one operator cannot bind one calendar name to two types (409)", async () => {
    const op = await operator("SameName", false);
    const refused = await put(op.id, [
      { eventTypeId: offers, calendarName: "Mine" },
      { eventTypeId: visits, calendarName: "Mine " },
    ]);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details[0].path).toBe("[1].calendarName");
  });

  it("R5: operators on the shared default-token account cannot bind the same calendar name (409 naming the other)", async () => {
    const first = await operator("Shared One", true);
    const second = await operator("Shared Two", true);
    expect((await put(first.id, [{ eventTypeId: offers, calendarName: "Company" }])).status).toBe(200);
    const refused = await put(second.id, [
      { eventTypeId: offers, calendarName: "Own" },
      { eventTypeId: visits, calendarName: "Company" },
    ]);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Shared One");
    expect(refused.body.error.details[0].path).toBe("[1].calendarName");
    expect((await api.call("GET", `/api/operators/${second.id}/calendars`)).body).toEqual([]);
    // Names compare exactly as typed (after trimming): another spelling is another calendar.
    expect((await put(second.id, [{ eventTypeId: visits, calendarName: "company" }])).status).toBe(200);
  });

  it("R5: individual tokens are compared only within the operator", async () => {
    const a = await operator("Own A", false);
    const b = await operator("Own B", false);
    const shared = await operator("Shared Three", true);
    expect((await put(a.id, [{ eventTypeId: offers, calendarName: "Personal" }])).status).toBe(200);
    expect((await put(b.id, [{ eventTypeId: offers, calendarName: "Personal" }])).status).toBe(200);
    expect((await put(shared.id, [{ eventTypeId: offers, calendarName: "Personal" }])).status).toBe(200);
  });

  it("R5: switching an operator onto the shared account is refused when its calendar names clash there", async () => {
    const sharer = await operator("Shared Four", true);
    const loner = await operator("Loner", false);
    await put(sharer.id, [{ eventTypeId: offers, calendarName: "Clash" }]);
    await put(loner.id, [{ eventTypeId: visits, calendarName: "Clash" }]);
    const refused = await api.call("PATCH", `/api/operators/${loner.id}`, { useConfigToken: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Shared Four");
    expect((await api.call("GET", `/api/operators/${loner.id}`)).body.useConfigToken).toBe(false);
  });

  it("bad bodies: not an array, unknown fields, empty names, too many", async () => {
    const op = await operator("Bad", false);
    expect((await put(op.id, { eventTypeId: offers, calendarName: "X" })).status).toBe(400);
    const unknown = await put(op.id, [{ eventTypeId: offers, calendarName: "X", color: "red" }]);
    expect(unknown.body.error.details[0].path).toBe("[0].color");
    const empty = await put(op.id, [{ eventTypeId: offers, calendarName: "  " }]);
    expect(empty.body.error.details[0].path).toBe("[0].calendarName");
    const many = Array.from({ length: 101 }, () => ({ eventTypeId: offers, calendarName: "X" }));
    expect((await put(op.id, many)).status).toBe(400);
  });
});
