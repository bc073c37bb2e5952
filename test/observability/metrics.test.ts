// GET /metrics of the whole service (startService) after a scripted run
// against the fake Google server: the counts match what the fake saw, labels
// name no person, and promtool (Debian's `prometheus` package) accepts it.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../config.js";
import { journal } from "../../db/schema.js";
import { createLogger } from "../../logger.js";
import { type RunningService, startService } from "../../service.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { jsonClient, ok } from "../../testkit/json-client.js";
import { freePort } from "../../testkit/ports.js";
import { type Exposition, parseExposition, total } from "../../testkit/prometheus-text.js";

const EMAIL = "company@example.com";
const OPERATOR = "Anna Nowakowska";
const CALENDAR = "Anna – offers";

let google: FakeGoogle;
let service: RunningService;
let testDatabase: TestDatabase | undefined;
let dataDir: string;
let refreshToken: string;
let bindingId: string;
let text: string;
let metrics: Exposition;
/** Push notices answered 204 when the metrics were read, as the fake saw them. */
let delivered: number;
const logLines: string[] = [];

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
/** expect.poll for beforeAll (which expect.poll refuses). */
const until = <T>(probe: () => T | Promise<T>, check: (value: T) => void) =>
  vi.waitFor(async () => check(await probe()), { timeout: 20_000, interval: 50 });

beforeAll(async () => {
  google = await startFakeGoogle();
  refreshToken = google.addAccount(EMAIL);
  dataDir = mkdtempSync(join(tmpdir(), "taskcal-metrics-"));
  testDatabase = backend === "postgres" ? await openTestDatabase() : undefined;
  const port = await freePort();
  const config = loadConfig({
    DATA_DIR: dataDir,
    DATABASE_URL: testDatabase?.url,
    PORT: String(port),
    ADMIN_TOKEN: "metrics-test-admin-token-0123456789",
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  service = await startService(config, createLogger("debug", { write: (line: string) => void logLines.push(line) }));
  const call = jsonClient((path, init) => fetch(`${service.url}${path}`, init), service.adminToken);

  ok(
    await call("PATCH", "/api/settings", {
      googleClientId: google.clientId,
      googleClientSecret: google.clientSecret,
      defaultRefreshToken: refreshToken,
      pollIntervalSeconds: 3600,
    }),
  );
  const type = ok(await call("POST", "/api/event-types", { name: "Offer", googleSync: true, display: { fields: ["number"], features: [] } }));
  const operator = ok(await call("POST", "/api/operators", { name: OPERATOR, googleEnabled: true, useConfigToken: true }));
  [{ bindingId }] = ok(await call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: CALENDAR }]));
  await until(
    async () => (await call("GET", `/api/actors/${bindingId}`)).body?.state,
    (state) => expect(state).toBe("incremental"),
  );
  await until(
    () => google.activeChannels().length,
    (open) => expect(open).toBe(1),
  );

  // Google says "slow down" once: the adapter waits and retries, the engine never sees it.
  google.injectFaults({ method: "POST", path: /\/events$/, status: 429, reason: "rateLimitExceeded", times: 1 });
  const created = [];
  for (let i = 0; i < 3; i++) {
    created.push(
      ok(
        await call("POST", "/api/tasks", {
          eventTypeId: type.id,
          operatorId: operator.id,
          subject: `Offer ${i}`,
          start: soon(24 + i),
          end: soon(25 + i),
        }),
      ),
    );
  }
  ok(await call("PATCH", `/api/tasks/${created[0].id}`, { subject: "Offer 0, revised" }));
  expect((await call("DELETE", `/api/tasks/${created[1].id}`)).status).toBe(204);
  const calendarId = google.user.calendars(EMAIL).find((c) => c.summary === CALENDAR)!.id;
  google.user.createEvent(EMAIL, calendarId, { summary: "Lunch", start: { dateTime: soon(30) }, end: { dateTime: soon(31) } });
  // A notice that is not ours.
  expect((await fetch(`${service.url}/webhooks/google`, { method: "POST", headers: { "x-goog-channel-id": "forged" } })).status).toBe(404);

  const subjects = async () => (await call("GET", "/api/tasks")).body.items.map((t: { subject: string }) => t.subject);
  await until(subjects, (found) => expect(found).toContain("Lunch"));
  const live = () => google.user.events(EMAIL, calendarId).filter((e) => e.status !== "cancelled");
  await until(
    () =>
      live()
        .map((e) => e.summary)
        .sort(),
    (summaries) =>
      expect(summaries).toEqual([
        expect.stringMatching(/^Lunch - \(\d+\/\d{4}\)$/),
        expect.stringMatching(/^Offer 0, revised - /),
        expect.stringMatching(/^Offer 2 - /),
      ]),
  );
  // Idle, with every notice the fake sent answered: nothing moves while the counts are compared.
  await until(
    () => service.supervisor.actorStatus(bindingId)?.idle && google.notifications.every((n) => n.status !== undefined),
    (settled) => expect(settled).toBe(true),
  );
  delivered = google.notifications.filter((n) => n.status === 204).length;

  const answer = await fetch(`${service.url}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  text = await answer.text();
  metrics = parseExposition(text);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await testDatabase?.close();
  await google?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`GET /metrics after a run against fake Google (${backend})`, () => {
  it("counts provider calls, throttling and pacing as the fake saw them", () => {
    const seen = (method: string, path: RegExp, status?: number) =>
      google.callLog.filter((c) => c.method === method && path.test(c.path) && (status === undefined || c.status === status)).length;
    const calls = (method: string, outcome = "ok") => total(metrics, "taskcal_provider_calls_total", { provider: "google", method, outcome });

    expect(calls("listChanges")).toBe(seen("GET", /\/events$/));
    expect(calls("deleteEvent")).toBe(seen("DELETE", /\/events\/[^/]+$/));
    expect(calls("watch")).toBe(seen("POST", /\/events\/watch$/));
    // The one 429 was retried inside the adapter: counted as throttling, not as a failed call.
    expect(calls("createEvent")).toBe(seen("POST", /\/events$/, 200));
    expect(seen("POST", /\/events$/, 429)).toBe(1);
    expect(total(metrics, "taskcal_provider_throttled_total", { provider: "google", credential: "company" })).toBe(1);
    expect(total(metrics, "taskcal_provider_calls_total", { outcome: "rate-limited" })).toBe(0);
    // Every request to Google waited for its slot in the company account's pacer once.
    expect(total(metrics, "taskcal_pacer_wait_seconds_count", { credential: "company" })).toBe(google.callLog.length);
    expect(total(metrics, "taskcal_pacer_queue_depth", { provider: "google", credential: "company" })).toBe(0);
    const callCount = total(metrics, "taskcal_provider_calls_total");
    expect(total(metrics, "taskcal_provider_call_duration_seconds_count")).toBe(callCount);
  });

  it("shows the actor, its lag, passes, push channels and notices, journal writes and database time", async () => {
    expect(total(metrics, "taskcal_actors", { provider: "google", state: "incremental" })).toBe(1);
    expect(total(metrics, "taskcal_actors", { provider: "google" })).toBe(1);
    expect(total(metrics, "taskcal_actors", { provider: "caldav" })).toBe(0);
    expect(total(metrics, "taskcal_binding_push_lag_seconds", { binding: bindingId })).toBe(0);
    expect(metrics.samples.find((s) => s.name === "taskcal_binding_pull_lag_seconds" && s.labels.binding === bindingId)).toBeDefined();

    const passes = total(metrics, "taskcal_sync_passes_total", { provider: "google" });
    expect(total(metrics, "taskcal_sync_passes_total", { provider: "google", mode: "full", outcome: "ok" })).toBe(1);
    expect(passes).toBe(total(metrics, "taskcal_sync_pass_duration_seconds_count"));

    expect(total(metrics, "taskcal_push_channel_opens_total", { provider: "google" })).toBe(1);
    expect(total(metrics, "taskcal_push_channels_open", { provider: "google" })).toBe(google.activeChannels().length);
    expect(delivered).toBeGreaterThanOrEqual(2);
    expect(total(metrics, "taskcal_push_notices_total", { outcome: "accepted" })).toBe(delivered);
    expect(total(metrics, "taskcal_push_notices_total", { outcome: "rejected" })).toBe(1);

    const rows = await service.database.db.select().from(journal);
    expect(total(metrics, "taskcal_journal_writes_total")).toBe(rows.length);
    expect(total(metrics, "taskcal_journal_writes_total", { direction: "crm-to-calendar", outcome: "ok" })).toBe(
      rows.filter((r) => r.direction === "crm-to-calendar" && r.outcome === "ok").length,
    );
    expect(total(metrics, "taskcal_item_failures_total")).toBe(0);
    expect(total(metrics, "taskcal_db_query_duration_seconds_count", { outcome: "ok" })).toBeGreaterThan(rows.length);
    expect(total(metrics, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(metrics.types.get("nodejs_heap_size_used_bytes")).toBe("gauge");
  });

  it("names no person, address or calendar in any label, and no secret anywhere", () => {
    const values = metrics.samples.flatMap((s) => Object.values(s.labels));
    for (const forbidden of [EMAIL, OPERATOR, CALENDAR, "Offer"]) expect(values.filter((v) => v.includes(forbidden))).toEqual([]);
    for (const secret of [refreshToken, google.clientSecret, service.adminToken]) expect(text).not.toContain(secret);
  });

  it("logs every line of a binding with its binding, operator and provider, one line per pass, never a secret", () => {
    const lines = logLines.map((line) => JSON.parse(line));
    const passes = lines.filter((line) => line.msg === "pass done");
    expect(passes.length).toBe(total(metrics, "taskcal_sync_passes_total", { outcome: "ok" }));
    for (const line of passes) {
      expect(line).toMatchObject({ level: 20, bindingId, operatorId: expect.any(String), provider: "google", mode: expect.any(String) });
      expect(line.pushed).toEqual(expect.any(Number));
    }
    for (const line of lines.filter((l) => l.bindingId)) expect(line).toMatchObject({ operatorId: expect.any(String), provider: "google" });
    const all = logLines.join("\n");
    for (const secret of [refreshToken, google.clientSecret, service.adminToken]) expect(all).not.toContain(secret);
  });
});

const promtool = (() => {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("promtool check metrics", () => {
  it.skipIf(!promtool)(
    `accepts the endpoint's output${promtool ? "" : " — SKIPPED: promtool is not installed (apt-get install prometheus; .ci/run installs it)"}`,
    async () => {
      const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number }>((done) => {
        const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) =>
          done({ stdout, stderr, code: (error as { code?: number } | null)?.code ?? 0 }),
        );
        child.stdin!.end(text);
      });
      expect({ code, problems: `${stdout}${stderr}`.trim() }).toEqual({ code: 0, problems: "" });
    },
  );
});
