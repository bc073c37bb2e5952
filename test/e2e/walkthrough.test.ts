// The real process, as `npm start` runs it: a temp DATA_DIR, a random port, the
// README's walkthrough over HTTP, and a graceful stop.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

describe(`taskcal process (${backend})`, () => {
  let child: ChildProcess;
  let database: TestDatabase | undefined;
  let dataDir: string;
  let base: string;
  let token: string;
  let exit: Promise<number | null>;
  let output: string[];
  let taskcal: TaskcalProcess;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "taskcal-e2e-"));
    // On PostgreSQL the process gets a fresh database; otherwise it embeds PGlite in DATA_DIR.
    if (backend === "postgres") database = await openTestDatabase();
    taskcal = await startTaskcal(dataDir, database?.url ? { DATABASE_URL: database.url } : {});
    ({ child, base, token, output, exit } = taskcal);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (method: string, path: string, body?: unknown) => taskcal.api(method, path, body);

  it("§4: generates the admin token and secret key into DATA_DIR (0600) and logs where, never what", () => {
    for (const file of ["admin-token", "secret-key"]) {
      expect(statSync(join(dataDir, file)).mode & 0o777).toBe(0o600);
    }
    const log = output.join("");
    expect(log).toContain(join(dataDir, "admin-token"));
    expect(log).not.toContain(token);
    expect(log).not.toContain(readFileSync(join(dataDir, "secret-key"), "utf8").trim());
  });

  it("README walkthrough: a type, an operator, a binding and a task", async () => {
    expect((await fetch(`${base}/api/settings`)).status).toBe(401);

    const type = await api("POST", "/api/event-types", {
      name: "Sales offer",
      googleSync: true,
      display: { fields: ["number", "customer", "location"], features: ["Budget"] },
    });
    expect(type.status).toBe(201);

    const operator = await api("POST", "/api/operators", { name: "Anna Nowak", googleEnabled: true, useConfigToken: true });
    expect(operator.status).toBe(201);

    const calendars = await api("PUT", `/api/operators/${operator.body.id}/calendars`, [
      { eventTypeId: type.body.id, calendarName: "Anna - offers" },
    ]);
    expect(calendars.status).toBe(200);
    expect(calendars.body).toEqual([{ bindingId: expect.any(String), eventTypeId: type.body.id, calendarName: "Anna - offers" }]);

    const task = await api("POST", "/api/tasks", {
      eventTypeId: type.body.id,
      operatorId: operator.body.id,
      subject: "Sales offer",
      customer: "ACME",
      start: "2026-12-01T09:00:00+01:00",
      end: "2026-12-01T10:00:00+01:00",
      timeZone: "Europe/Warsaw",
      features: { Budget: "12 000 PLN" },
    });
    expect(task.status).toBe(201);
    expect(task.body).toMatchObject({ number: expect.stringMatching(/^1\/\d{4}$/), deleted: false });

    const list = await api("GET", `/api/tasks?operatorId=${operator.body.id}`);
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([task.body.id]);
    expect((await fetch(`${base}/docs`)).status).toBe(200);
  });

  it("stops cleanly on SIGTERM", async () => {
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(output.join("")).toContain('"msg":"stopped"');
  }, 20_000);
});
