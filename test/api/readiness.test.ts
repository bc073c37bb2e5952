// GET /health/ready (SPEC §5) and GET /metrics' token, through the app.
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../api/app.js";
import { migrationsFolder } from "../../db/database.js";
import { Supervisor } from "../../engine/supervisor.js";
import { createLogger } from "../../logger.js";
import { ServiceMetrics } from "../../observability/metrics.js";
import { backend } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

let api: ApiHarness;
let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  await api?.close();
});

const METRICS_TOKEN = "metrics-token-for-the-scraper-0123";

describe(`GET /health/ready (${backend})`, () => {
  it("503 with the reason until the engine has started its actors, 200 after, 503 again once it stops", async () => {
    api = await openApi({ readiness: { engineStarted: () => supervisor?.started ?? false } });
    supervisor = new Supervisor({ database: api.database, providers: builtInRegistry(), secrets: api.secrets, logger: createLogger("silent") });
    const before = await api.call("GET", "/health/ready", undefined, { token: null });
    expect(before.status).toBe(503);
    expect(before.body).toEqual({
      error: {
        code: "not_ready",
        message: "the engine is starting its actors",
        details: [{ check: "engine", message: "the engine is starting its actors" }],
      },
    });
    // Liveness does not wait for the engine.
    expect((await api.call("GET", "/health", undefined, { token: null })).status).toBe(200);

    await supervisor.start();
    const after = await api.call("GET", "/health/ready", undefined, { token: null });
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", engine: "ok" }, degraded: [] });

    await supervisor.stop();
    expect((await api.call("GET", "/health/ready", undefined, { token: null })).status).toBe(503);
  });

  it("a process without an engine is ready on its database alone; a wrong SECRET_KEY makes it degraded, not unready", async () => {
    api = await openApi({ readiness: { degraded: () => [{ code: "secrets_unreadable", message: "SECRET_KEY does not open the stored secrets" }] } });
    const answer = await api.call("GET", "/health/ready", undefined, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: "degraded",
      checks: { database: "ok", migrations: "ok", engine: "not running in this process" },
      degraded: [{ code: "secrets_unreadable", message: "SECRET_KEY does not open the stored secrets" }],
    });
  });

  it("503 when the database does not answer, naming it", async () => {
    api = await openApi();
    const down = createApp({
      database: {
        ...api.database,
        ping: async () => {
          throw new Error("connection refused");
        },
      },
      secrets: api.secrets,
      adminToken: "unused-admin-token",
      logger: createLogger("silent"),
      providers: builtInRegistry(),
    });
    const answer = await down.request("/health/ready");
    expect(answer.status).toBe(503);
    expect(await answer.json()).toMatchObject({
      error: { code: "not_ready", details: [{ check: "database", message: "the database does not answer" }] },
    });
  });

  it("503 while a migration of this build is not applied, naming it", async () => {
    api = await openApi();
    const { db } = api.database;
    const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as { entries: { tag: string; when: number }[] };
    const newest = journal.entries.reduce((a, b) => (b.when > a.when ? b : a));
    const migrations = sql`drizzle.__drizzle_migrations`;
    const [row] = await db
      .select({ id: sql<number>`id`, hash: sql<string>`hash`, createdAt: sql<string>`created_at` })
      .from(migrations)
      .where(sql`created_at = ${newest.when}`);
    expect(row).toBeDefined();
    // As if this build met a database that an older build migrated.
    await db.execute(sql`delete from drizzle.__drizzle_migrations where id = ${row.id}`);
    try {
      const answer = await api.call("GET", "/health/ready", undefined, { token: null });
      expect(answer.status).toBe(503);
      expect(answer.body.error).toEqual({
        code: "not_ready",
        message: `migrations not applied: ${newest.tag}`,
        details: [{ check: "migrations", message: `migrations not applied: ${newest.tag}` }],
      });
    } finally {
      await db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${row.id}, ${row.hash}, ${row.createdAt})`);
    }
    expect((await api.call("GET", "/health/ready", undefined, { token: null })).status).toBe(200);
  });
});

describe(`GET /metrics (${backend})`, () => {
  it("is open without METRICS_TOKEN, in the Prometheus text format", async () => {
    api = await openApi({ metrics: new ServiceMetrics() });
    const answer = await api.call("GET", "/metrics", undefined, { token: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(answer.text).toContain("# TYPE taskcal_sync_passes_total counter");
  });

  it("with METRICS_TOKEN, needs that token and no other (not even the admin token)", async () => {
    api = await openApi({ metrics: new ServiceMetrics(), metricsToken: METRICS_TOKEN });
    for (const token of [null, ADMIN_TOKEN, "wrong-token-of-some-length"]) {
      const answer = await api.call("GET", "/metrics", undefined, { token });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.body).toEqual({ error: { code: "unauthorized", message: "send Authorization: Bearer <METRICS_TOKEN>" } });
    }
    const answer = await api.call("GET", "/metrics", undefined, { token: METRICS_TOKEN });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("taskcal_actors");
    // And the metrics token opens nothing else.
    expect((await api.call("GET", "/api/settings", undefined, { token: METRICS_TOKEN })).status).toBe(401);
  });
});
