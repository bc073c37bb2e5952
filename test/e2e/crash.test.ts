// R13 with real processes: the service is killed after Google accepted a write
// but before the database recorded it; started again, it adopts the event.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

describe(`crash between the Google write and the database write (${backend})`, () => {
  let google: FakeGoogle;
  let database: TestDatabase | undefined;
  let taskcal: TaskcalProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "taskcal-crash-"));

  afterAll(async () => {
    if (taskcal && taskcal.child.exitCode === null) await taskcal.crash();
    await database?.close();
    await google?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("R13: kill -9 mid-write, start again: one event, adopted, no further writes", async () => {
    google = await startFakeGoogle();
    const refreshToken = google.addAccount("company@example.com");
    if (backend === "postgres") database = await openTestDatabase();
    const env = {
      GOOGLE_API_ROOT_URL: google.rootUrl,
      GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
      ADMIN_TOKEN: "crash-test-admin-token",
      // On PostgreSQL the restarted process is another replica: it takes the dead one's binding once its lease expires.
      LEASE_TTL_SECONDS: "4",
      LEASE_HEARTBEAT_SECONDS: "1",
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    };
    taskcal = await startTaskcal(dataDir, env);
    const api = taskcal.api;
    await api("PATCH", "/api/settings", {
      googleClientId: google.clientId,
      googleClientSecret: google.clientSecret,
      defaultRefreshToken: refreshToken,
      pollIntervalSeconds: 3600,
    });
    const type = (await api("POST", "/api/event-types", { name: "Meeting", googleSync: true, display: { fields: ["number"], features: [] } })).body;
    const operator = (await api("POST", "/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true })).body;
    const [binding] = (await api("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna" }])).body;
    await expect.poll(async () => (await api("GET", `/api/actors/${binding.bindingId}`)).body.state, { timeout: 30_000 }).toBe("incremental");
    const calendarId = google.user.calendars("company@example.com").find((c) => c.summary === "Anna")!.id;

    // Google stores the insert but holds its answer; the process dies waiting.
    google.injectFaults({ method: "POST", path: /\/events$/, answerDelayMs: 60_000 });
    const start = new Date(Date.now() + 86_400_000);
    const task = (
      await api("POST", "/api/tasks", {
        eventTypeId: type.id,
        operatorId: operator.id,
        subject: "Survives",
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
      })
    ).body;
    await expect.poll(() => google.user.events("company@example.com", calendarId).length, { timeout: 30_000 }).toBe(1);
    await taskcal.crash();
    const writesBeforeRestart = google.writeCount(calendarId);

    taskcal = await startTaskcal(dataDir, env);
    await expect
      .poll(
        async () =>
          (await taskcal!.api("GET", `/api/actors/${binding.bindingId}/journal`)).body?.some(
            (e: any) => e.taskId === task.id && ["link", "create"].includes(e.action),
          ),
        { timeout: 30_000 },
      )
      .toBe(true);
    const events = google.user.events("company@example.com", calendarId);
    expect(events).toHaveLength(1);
    expect(events[0].summary).toBe(`Survives - (${task.number})`);
    // The restart found the event naming the task and adopted it: no update, no second event, even after a full pass.
    const lastSync = (await taskcal.api("GET", `/api/actors/${binding.bindingId}`)).body.lastSyncAt;
    await taskcal.api("POST", `/api/actors/${binding.bindingId}/sync`);
    await expect
      .poll(async () => (await taskcal!.api("GET", `/api/actors/${binding.bindingId}`)).body.lastSyncAt, { timeout: 30_000 })
      .not.toBe(lastSync);
    expect(google.writeCount(calendarId) - writesBeforeRestart).toBe(0);
    expect(google.user.events("company@example.com", calendarId)).toHaveLength(1);
  }, 120_000);
});
