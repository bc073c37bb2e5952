// The real process's readiness: ready once started; with a SECRET_KEY that does
// not open the stored secrets, still ready (so they can be entered again) and
// saying why it is degraded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

describe(`GET /health/ready of the real process (${backend})`, () => {
  let database: TestDatabase | undefined;
  let taskcal: TaskcalProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "taskcal-ready-"));

  afterAll(async () => {
    if (taskcal && taskcal.child.exitCode === null) await taskcal.crash();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Two starts of the real process (the first with a fresh embedded database): a minute on a busy machine.
  it("ready after start; degraded with the reason when SECRET_KEY cannot open the stored secrets", async () => {
    if (backend === "postgres") database = await openTestDatabase();
    const env = { ADMIN_TOKEN: "readiness-test-admin-token", ...(database?.url ? { DATABASE_URL: database.url } : {}) };
    taskcal = await startTaskcal(dataDir, { ...env, SECRET_KEY: "the-first-secret-key-0123456789" });
    const ready = async () => {
      const answer = await fetch(`${taskcal!.base}/health/ready`);
      return { status: answer.status, body: await answer.json() };
    };
    // /health, which startTaskcal waits for, answers while the actors start; readiness follows once they have.
    await expect.poll(ready).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok", migrations: "ok", engine: "ok" }, degraded: [] },
    });
    expect((await taskcal.api("PATCH", "/api/settings", { googleClientSecret: "a-client-secret" })).status).toBe(200);
    await taskcal.crash();

    taskcal = await startTaskcal(dataDir, { ...env, SECRET_KEY: "another-secret-key-9876543210" });
    await expect.poll(async () => (await ready()).status).toBe(200);
    const degraded = await ready();
    expect(degraded.body).toMatchObject({
      status: "degraded",
      degraded: [{ code: "secrets_unreadable", message: expect.stringContaining("SECRET_KEY does not open the secrets") }],
    });
    expect(JSON.stringify(degraded.body)).not.toContain("a-client-secret");
  }, 180_000);
});
