import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend } from "../db/harness";
import { ADMIN_TOKEN, openApi, type ApiHarness } from "./api-harness";

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
    expect((await api.call("GET", "/api/settings", undefined, { token: null, headers: { authorization: `bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
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
