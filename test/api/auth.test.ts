import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bindings, eventTypes, operators, settings, tasks } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

describe(`admin token (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  it("§4: /api/* without the right bearer token is 401 in the error shape", async () => {
    for (const authorization of [undefined, "", `Bearer ${ADMIN_TOKEN}x`, "Bearer short", `Basic ${ADMIN_TOKEN}`, ADMIN_TOKEN, "Bearer "]) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const answer = await api.call("GET", "/api/settings", undefined, { token: null, headers });
      expect(answer.status, String(authorization)).toBe(401);
      expect(answer.body).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    }
    expect((await api.call("GET", "/api/settings", undefined, { token: null, headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).status).toBe(
      200,
    );
    const logged = api.logLines.map((line) => JSON.parse(line)).filter((entry) => entry.path === "/api/settings");
    expect(logged.map((entry) => entry.status)).toContain(401);
  });

  it("§4: every documented /api operation needs the token, before any validation", async () => {
    const doc = (await api.call("GET", "/openapi.json", undefined, { token: null })).body;
    const id = "00000000-0000-4000-8000-000000000000";
    let checked = 0;
    for (const [path, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!path.startsWith("/api/")) continue;
      for (const method of Object.keys(operations)) {
        const raw = method === "get" || method === "delete" ? undefined : "{bad json";
        const answer = await api.call(method.toUpperCase(), path.replace("{id}", id), undefined, { token: null, raw });
        expect(answer.status, `${method} ${path}`).toBe(401);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(19);
  });

  it("health, the document and the reference page need no token", async () => {
    expect((await api.call("GET", "/health", undefined, { token: null })).body).toEqual({ status: "ok" });
    expect((await api.call("GET", "/openapi.json", undefined, { token: null })).status).toBe(200);
    expect((await api.call("GET", "/docs", undefined, { token: null })).status).toBe(200);
  });
});

describe(`read-only token (${backend})`, () => {
  const READONLY_TOKEN = "test-readonly-token-0123456789";
  let api: ApiHarness;
  let ids: Record<string, string>;
  beforeAll(async () => {
    api = await openApi({ readonlyToken: READONLY_TOKEN });
    const type = await api.create("/api/event-types", { name: "Offer", googleSync: true });
    const operator = await api.create("/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true });
    await api.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Offers" }]);
    const task = await api.create("/api/tasks", {
      eventTypeId: type.id,
      operatorId: operator.id,
      subject: "Offer",
      start: "2026-12-01T09:00:00+01:00",
      end: "2026-12-01T10:00:00+01:00",
    });
    ids = { "/api/event-types": type.id, "/api/operators": operator.id, "/api/tasks": task.id };
  });
  afterAll(() => api?.close());

  async function snapshot() {
    const db = api.database.db;
    const counts = await Promise.all([tasks, eventTypes, operators, bindings].map((table) => db.select({ n: count() }).from(table)));
    return { counts: counts.map(([row]) => row.n), settings: await db.select().from(settings), tasks: await db.select().from(tasks) };
  }

  it("reads every GET under /api; every write is 403 forbidden and changes nothing", async () => {
    const doc = (await api.call("GET", "/openapi.json", undefined, { token: null })).body;
    const before = await snapshot();
    let reads = 0;
    let writes = 0;
    for (const [template, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!template.startsWith("/api/")) continue;
      const base = Object.keys(ids).find((prefix) => template.startsWith(`${prefix}/`));
      const path = template.replace("{id}", base ? ids[base] : ids["/api/operators"]).replace("{command}", "sync");
      for (const method of Object.keys(operations)) {
        const body = method === "put" ? [] : method === "get" || method === "delete" ? undefined : {};
        const answer = await api.call(method.toUpperCase(), path, body, { token: READONLY_TOKEN });
        if (method === "get") {
          // Past the bearer check: what the route itself answers (actors say 503 here, with no engine running).
          expect([401, 403, 429], `${method} ${path}: ${answer.text}`).not.toContain(answer.status);
          reads++;
        } else {
          expect(answer.status, `${method} ${path}`).toBe(403);
          expect(answer.body.error).toEqual({ code: "forbidden", message: expect.stringContaining("read-only token") });
          writes++;
        }
      }
    }
    expect(reads).toBeGreaterThanOrEqual(9);
    expect(writes).toBeGreaterThanOrEqual(10);
    expect(await snapshot()).toEqual(before);
    expect((await api.call("GET", "/api/settings", undefined, { token: READONLY_TOKEN })).status).toBe(200);
    expect((await api.call("PATCH", "/api/settings", { monthsBack: 1 })).status).toBe(200);
  });
});
