import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindings } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describe(`operators API (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  it("R4: create, read, list, change, remove", async () => {
    const anna = await api.create("/api/operators", {
      name: "Anna",
      googleEnabled: true,
      useConfigToken: false,
      refreshToken: "1//anna",
    });
    expect(anna).toEqual({
      id: expect.any(String),
      name: "Anna",
      googleEnabled: true,
      useConfigToken: false,
      refreshTokenSet: true,
      provider: "google",
      // The provider's account (secrets as flags); refreshTokenSet and caldav are its legacy aliases.
      account: { refreshTokenSet: true },
      caldav: null,
    });
    const bob = await api.create("/api/operators", { name: "Bob", googleEnabled: false, useConfigToken: true });
    expect(bob.refreshTokenSet).toBe(false);

    expect((await api.call("GET", `/api/operators/${anna.id}`)).body).toEqual(anna);
    expect((await api.call("GET", "/api/operators")).body.map((o: { name: string }) => o.name)).toEqual(["Anna", "Bob"]);

    const changed = await api.call("PATCH", `/api/operators/${anna.id}`, { name: "Anna N.", refreshToken: null });
    expect(changed.body).toEqual({ ...anna, name: "Anna N.", refreshTokenSet: false, account: { refreshTokenSet: false } });

    expect((await api.call("DELETE", `/api/operators/${bob.id}`)).status).toBe(204);
    expect((await api.call("GET", `/api/operators/${bob.id}`)).status).toBe(404);
  });

  it("CalDAV operators: the account is required and its password write-only", async () => {
    const missing = await api.call("POST", "/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
    });
    expect(missing.status).toBe(400);
    // Named by the provider's account schema, the field a new integration would send.
    expect(missing.body.error.details[0].path).toBe("account.url");

    const dav = await api.create("/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: "https://dav.example.com/dav/", username: "dav", password: "pw" },
    });
    expect(dav.caldav).toEqual({ url: "https://dav.example.com/dav/", username: "dav", passwordSet: true });
    expect(dav.account).toEqual(dav.caldav);
    const moved = await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: { url: "https://dav.example.com/other/" } });
    expect(moved.body.caldav).toEqual({ url: "https://dav.example.com/other/", username: "dav", passwordSet: true });
    const cleared = await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: { password: null } });
    expect(cleared.body.caldav.passwordSet).toBe(false);
    expect((await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: null })).status).toBe(400);
    const google = await api.call("PATCH", `/api/operators/${dav.id}`, { provider: "google", caldav: null });
    expect(google.body).toMatchObject({ provider: "google", caldav: null });
  });

  it("DELETE takes the operator's bindings with it", async () => {
    const type = await api.create("/api/event-types", { name: "Cascade", googleSync: true });
    const op = await api.create("/api/operators", { name: "Gone", googleEnabled: true, useConfigToken: false });
    await api.call("PUT", `/api/operators/${op.id}/calendars`, [{ eventTypeId: type.id, calendarName: "C" }]);
    expect((await api.call("DELETE", `/api/operators/${op.id}`)).status).toBe(204);
    expect(await api.database.db.select().from(bindings).where(eq(bindings.operatorId, op.id))).toEqual([]);
  });

  it("DELETE is refused while the operator owns tasks, tombstones included", async () => {
    const type = await api.create("/api/event-types", { name: "Owned", googleSync: false });
    const op = await api.create("/api/operators", { name: "Owner", googleEnabled: false, useConfigToken: false });
    const task = await api.create("/api/tasks", {
      eventTypeId: type.id,
      operatorId: op.id,
      subject: "mine",
      start: "2026-03-01T10:00:00Z",
      end: "2026-03-01T11:00:00Z",
    });
    await api.call("DELETE", `/api/tasks/${task.id}`);
    const refused = await api.call("DELETE", `/api/operators/${op.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain("1 task");
    expect((await api.call("GET", `/api/operators/${op.id}`)).status).toBe(200);
  });
});
