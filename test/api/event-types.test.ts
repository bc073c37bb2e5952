import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`event types API (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  it("R3: create, read, list, change, remove", async () => {
    const created = await api.create("/api/event-types", {
      name: "Sales offer",
      googleSync: true,
      display: { fields: ["number", "customer"], features: ["Budget"] },
    });
    expect(created).toEqual({
      id: expect.any(String),
      name: "Sales offer",
      googleSync: true,
      display: { fields: ["number", "customer"], features: ["Budget"] },
    });
    const plain = await api.create("/api/event-types", { name: "Call", googleSync: false });
    expect(plain.display).toEqual({ fields: [], features: [] });

    expect((await api.call("GET", `/api/event-types/${created.id}`)).body).toEqual(created);
    const list = await api.call("GET", "/api/event-types");
    expect(list.body.map((t: { name: string }) => t.name)).toEqual(["Call", "Sales offer"]);

    const changed = await api.call("PATCH", `/api/event-types/${plain.id}`, {
      name: "Phone call",
      display: { fields: ["operator"] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ ...plain, name: "Phone call", display: { fields: ["operator"], features: [] } });

    expect((await api.call("DELETE", `/api/event-types/${plain.id}`)).status).toBe(204);
    expect((await api.call("GET", `/api/event-types/${plain.id}`)).status).toBe(404);
    expect((await api.call("DELETE", `/api/event-types/${plain.id}`)).status).toBe(404);
  });

  it("names are unique: 409 on create and on rename", async () => {
    const a = await api.create("/api/event-types", { name: "Visit", googleSync: true });
    const dup = await api.call("POST", "/api/event-types", { name: "Visit", googleSync: false });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].path).toBe("name");
    const b = await api.create("/api/event-types", { name: "Visit 2", googleSync: true });
    expect((await api.call("PATCH", `/api/event-types/${b.id}`, { name: "Visit" })).status).toBe(409);
    expect((await api.call("PATCH", `/api/event-types/${a.id}`, { name: "Visit" })).status).toBe(200);
  });

  it("R3: display fields outside the list, or repeated, are refused", async () => {
    const bad = await api.call("POST", "/api/event-types", { name: "X", googleSync: true, display: { fields: ["subject"] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("display.fields[0]");
    const twice = await api.call("POST", "/api/event-types", {
      name: "X",
      googleSync: true,
      display: { fields: [], features: ["A", "A"] },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details[0].path).toBe("display.features");
  });

  it("DELETE is refused while a task or a binding uses the type", async () => {
    const type = await api.create("/api/event-types", { name: "Used", googleSync: true });
    const operator = await api.create("/api/operators", { name: "Ola", googleEnabled: true, useConfigToken: false });
    await api.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Used" }]);
    const bound = await api.call("DELETE", `/api/event-types/${type.id}`);
    expect(bound.status).toBe(409);
    expect(bound.body.error.message).toContain("1 binding");

    await api.call("PUT", `/api/operators/${operator.id}/calendars`, []);
    const task = await api.create("/api/tasks", {
      eventTypeId: type.id,
      operatorId: operator.id,
      subject: "s",
      start: "2026-01-01",
      end: "2026-01-01",
      allDay: true,
    });
    await api.call("DELETE", `/api/tasks/${task.id}`);
    const used = await api.call("DELETE", `/api/event-types/${type.id}`);
    expect(used.status).toBe(409);
    expect(used.body.error.message).toContain("1 task");
  });

  it("R5: turning googleSync off is refused while the type is bound, naming the bindings", async () => {
    const type = await api.create("/api/event-types", { name: "Bound", googleSync: true });
    const operator = await api.create("/api/operators", { name: "Piotr", googleEnabled: true, useConfigToken: false });
    await api.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Piotr's" }]);
    const refused = await api.call("PATCH", `/api/event-types/${type.id}`, { googleSync: false });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("Piotr");
    expect(refused.body.error.details[0].path).toBe("googleSync");
    await api.call("PUT", `/api/operators/${operator.id}/calendars`, []);
    expect((await api.call("PATCH", `/api/event-types/${type.id}`, { googleSync: false })).body.googleSync).toBe(false);
  });
});
