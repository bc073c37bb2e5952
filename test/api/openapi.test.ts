import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleRoutes } from "../../api/console/console-routes.js";
import { ServiceMetrics } from "../../observability/metrics.js";
import { backend } from "../../testkit/database.js";
import { type ApiHarness, openApi } from "./api-harness.js";

/** Every route of SPEC §3, the Google push webhook, and those of §5 built so far. */
const specRoutes = [
  "get /health",
  "get /openapi.json",
  "get /docs",
  "get /api/settings",
  "patch /api/settings",
  "post /api/event-types",
  "get /api/event-types",
  "get /api/event-types/{id}",
  "patch /api/event-types/{id}",
  "delete /api/event-types/{id}",
  "post /api/operators",
  "get /api/operators",
  "get /api/operators/{id}",
  "patch /api/operators/{id}",
  "delete /api/operators/{id}",
  "get /api/operators/{id}/calendars",
  "put /api/operators/{id}/calendars",
  "post /api/tasks",
  "get /api/tasks",
  "get /api/tasks/{id}",
  "patch /api/tasks/{id}",
  "delete /api/tasks/{id}",
  "get /api/actors",
  "get /api/actors/{id}",
  "post /api/actors/{id}/{command}",
  "get /api/actors/{id}/journal",
  // §5 additions
  "get /api/actors/{id}/failures",
  "post /webhooks/{provider}",
  "get /api/audit",
  "get /api/providers",
  "get /api/providers/{id}/settings",
  "patch /api/providers/{id}/settings",
  "get /oauth/{provider}/start",
  "get /oauth/{provider}/callback",
  "get /api/credentials",
  "post /api/operators/{id}/test",
  "post /api/operators/{id}/preview",
  "get /api/operators/{id}/account-calendars",
  "get /api/actors/{id}/state-changes",
  "post /session",
  "get /session",
  "delete /session",
  "get /health/ready",
  "get /metrics",
];

const methods = ["get", "put", "post", "delete", "patch"];

describe(`OpenAPI document and reference page (${backend})`, () => {
  let api: ApiHarness;
  let doc: any;
  beforeAll(async () => {
    api = await openApi({ metrics: new ServiceMetrics() });
    doc = (await api.call("GET", "/openapi.json", undefined, { token: null })).body;
  });
  afterAll(() => api?.close());

  const documented = () =>
    Object.entries<Record<string, any>>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => methods.includes(m))
        .map((m) => `${m} ${path}`),
    );

  it("is OpenAPI 3.1 and lists every route of SPEC §3", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("taskcal");
    expect(documented().sort()).toEqual([...specRoutes].sort());
  });

  it("documents every route the app serves (assets of /docs and the console's HTML pages aside)", () => {
    const consolePages = new Set(consoleRoutes(() => new Response()).routes.map((r) => `${r.method} ${r.path}`));
    const served = api.app.routes
      .filter((r) => methods.includes(r.method.toLowerCase()) && !r.path.startsWith("/docs/") && !consolePages.has(`${r.method} ${r.path}`))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(new Set(documented())).toEqual(new Set(served));
  });

  it("every /api operation declares the bearer scheme and the session cookie, its 401 and 429, writes their 403; every reference resolves", () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "taskcal_session" });
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        expect(Object.keys(operation.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        if (!path.startsWith("/api/")) continue;
        expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
        expect(operation.responses["401"], `${method} ${path}`).toBeDefined();
        expect(operation.responses["429"].headers["Retry-After"], `${method} ${path}`).toBeDefined();
        // The read-only token: refused on every write, never on a read.
        expect(operation.responses["403"] !== undefined, `${method} ${path}`).toBe(method !== "get");
      }
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = ref.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it("the validating schemas are the documented ones: strict bodies, limits, query parameters", () => {
    const create = doc.components.schemas.TaskCreate;
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.subject.maxLength).toBe(500);
    expect(create.required).toEqual(expect.arrayContaining(["eventTypeId", "operatorId", "subject", "start", "end"]));
    const list = doc.paths["/api/tasks"].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
    expect(list).toEqual(
      expect.arrayContaining([
        "query:operatorId",
        "query:eventTypeId",
        "query:from",
        "query:to",
        "query:includeDeleted",
        "query:cursor",
        "query:limit",
      ]),
    );
    const settings = doc.components.schemas.Settings.properties;
    expect(settings.googleClientSecretSet).toBeDefined();
    expect(settings.googleClientSecret).toBeUndefined();
  });

  it("/docs is a page whose assets are all served by the app itself", async () => {
    const page = await api.call("GET", "/docs", undefined, { token: null });
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(["docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/init.js"]));
    for (const asset of assets) {
      const url = new URL(asset, "http://localhost/docs").pathname;
      const res = await api.app.request(url);
      expect(res.status, url).toBe(200);
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
    const init = await (await api.app.request("/docs/init.js")).text();
    expect(init).toContain('"openapi.json"');
    expect((await api.app.request("/docs/package.json")).status).toBe(404);
    expect((await api.app.request("/docs/..%2Fpackage.json")).status).toBe(404);
  });
});
