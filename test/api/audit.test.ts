// GET /api/audit: every successful configuration change, newest first, with
// the fields written and secrets masked; refused writes leave no entry.
import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, settings } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

const READONLY_TOKEN = "audit-test-readonly-token-123456";
const SECRETS = { clientSecret: "GOCSPX-audit-client-secret", operatorToken: "1//audit-operator-token", davPassword: "audit-dav-password" };

describe(`audit log (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi({ readonlyToken: READONLY_TOKEN });
  });
  afterAll(() => api?.close());

  const entries = async () => (await api.database.db.select({ n: count() }).from(auditLog))[0].n;
  const page = async (query = "") => {
    const answer = await api.call("GET", `/api/audit${query}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.body;
  };

  it("records every successful write to settings, types, operators and bindings, newest first, secrets masked", async () => {
    const first = await entries();
    const ok = async (method: string, path: string, body?: unknown) => {
      const answer = await api.call(method, path, body);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
      return answer.body;
    };
    await ok("PATCH", "/api/settings", { googleClientSecret: SECRETS.clientSecret, defaultRefreshToken: null, monthsBack: 6 });
    const type = await ok("POST", "/api/event-types", { name: "Visit", googleSync: true });
    await ok("PATCH", `/api/event-types/${type.id}`, { name: "Site visit" });
    const spare = await ok("POST", "/api/event-types", { name: "Spare", googleSync: false });
    await ok("DELETE", `/api/event-types/${spare.id}`);
    const google = await ok("POST", "/api/operators", {
      name: "Anna",
      googleEnabled: true,
      useConfigToken: false,
      refreshToken: SECRETS.operatorToken,
    });
    const dav = await ok("POST", "/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: "https://dav.example.com/", username: "dav", password: SECRETS.davPassword },
    });
    await ok("PATCH", `/api/operators/${dav.id}`, { caldav: { url: "https://dav.example.org/" } });
    await ok("PUT", `/api/operators/${google.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Visits" }]);
    await ok("DELETE", `/api/operators/${dav.id}`);

    const { items } = await page();
    expect(await entries()).toBe(first + 10);
    expect(items.slice(0, 10)).toEqual(
      [
        ["PATCH", "/api/settings", "settings", null, { googleClientSecret: "***", defaultRefreshToken: null, monthsBack: 6 }],
        ["POST", "/api/event-types", "event-type", type.id, { name: "Visit", googleSync: true }],
        ["PATCH", `/api/event-types/${type.id}`, "event-type", type.id, { name: "Site visit" }],
        ["POST", "/api/event-types", "event-type", spare.id, { name: "Spare", googleSync: false }],
        ["DELETE", `/api/event-types/${spare.id}`, "event-type", spare.id, { deleted: true, name: "Spare" }],
        [
          "POST",
          "/api/operators",
          "operator",
          google.id,
          { name: "Anna", googleEnabled: true, useConfigToken: false, refreshToken: "***", provider: "google" },
        ],
        [
          "POST",
          "/api/operators",
          "operator",
          dav.id,
          {
            name: "Dav",
            googleEnabled: true,
            useConfigToken: false,
            provider: "caldav",
            caldav: { url: "https://dav.example.com/", username: "dav", password: "***" },
          },
        ],
        // Another origin cleared the saved password: the entry says so.
        ["PATCH", `/api/operators/${dav.id}`, "operator", dav.id, { caldav: { url: "https://dav.example.org/", password: null } }],
        ["PUT", `/api/operators/${google.id}/calendars`, "bindings", google.id, { bindings: [{ eventTypeId: type.id, calendarName: "Visits" }] }],
        ["DELETE", `/api/operators/${dav.id}`, "operator", dav.id, { deleted: true, name: "Dav" }],
      ]
        .reverse()
        .map(([method, path, resource, resourceId, change]) => ({
          at: expect.any(String),
          tokenKind: "admin",
          method,
          path,
          resource,
          resourceId,
          change,
        })),
    );
    expect(Date.parse(items[0].at)).toBeGreaterThanOrEqual(Date.parse(items[9].at));
    const text = JSON.stringify(await page("?limit=500"));
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it("refused writes, reads and the read-only token leave no entry", async () => {
    const before = await entries();
    const type = (await api.call("GET", "/api/event-types")).body[0];
    const refused: [string, string, unknown?, string?][] = [
      ["PATCH", "/api/settings", { monthsBack: -1 }],
      ["PATCH", "/api/settings", { monthsBack: 1 }, READONLY_TOKEN],
      ["POST", "/api/event-types", { name: type.name, googleSync: true }],
      ["PATCH", "/api/event-types/00000000-0000-4000-8000-000000000000", { name: "x" }],
      ["DELETE", `/api/event-types/${type.id}`],
      [
        "POST",
        "/api/operators",
        { name: "X", googleEnabled: true, useConfigToken: false, provider: "caldav", caldav: { url: "http://x.example/", username: "u" } },
      ],
      ["PUT", "/api/operators/00000000-0000-4000-8000-000000000000/calendars", []],
    ];
    for (const [method, path, body, token] of refused) {
      const answer = await api.call(method, path, body, { token });
      expect(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
    }
    await api.call("GET", "/api/settings");
    await api.call("GET", "/api/audit", undefined, { token: READONLY_TOKEN });
    expect(await entries()).toBe(before);
  });

  it("the entry is written in the change's transaction: when it cannot be written, the change is undone", async () => {
    const db = api.database.db;
    const [before] = await db.select().from(settings).where(eq(settings.id, 1));
    await db.execute(sql`alter table audit_log rename to audit_log_away`);
    try {
      expect((await api.call("PATCH", "/api/settings", { monthsBack: 11 })).status).toBe(500);
    } finally {
      await db.execute(sql`alter table audit_log_away rename to audit_log`);
    }
    expect((await db.select().from(settings).where(eq(settings.id, 1)))[0]).toEqual(before);
  });

  it("pages newest first with limit and an opaque cursor; a crafted cursor is 400 naming it", async () => {
    for (let i = 0; i < 5; i++) expect((await api.call("PATCH", "/api/settings", { pollIntervalSeconds: 100 + i })).status).toBe(200);
    const seen: unknown[] = [];
    let cursor: string | undefined;
    do {
      const body = await page(`?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual((await page("?limit=500")).items);
    expect(seen.slice(0, 5).map((item: any) => item.change.pollIntervalSeconds)).toEqual([104, 103, 102, 101, 100]);

    for (const crafted of [
      "not-a-cursor",
      Buffer.from("a-1").toString("base64url"),
      Buffer.from("a99999999999999999").toString("base64url"),
      "%00",
    ]) {
      const answer = await api.call("GET", `/api/audit?cursor=${crafted}`);
      expect(answer.status, crafted).toBe(400);
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toEqual(["cursor"]);
    }
    expect((await api.call("GET", "/api/audit?limit=0")).status).toBe(400);
    expect((await api.call("GET", "/api/audit?since=yesterday")).status).toBe(400);
  });
});
