// The real process, as `npm start` runs it: a temp DATA_DIR, a random port, the
// README's walkthrough over HTTP, and a graceful stop.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backend, openTestDatabase, type TestDatabase } from "../db/harness";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

describe(`taskcal process (${backend})`, () => {
  let child: ChildProcess;
  let database: TestDatabase | undefined;
  let dataDir: string;
  let base: string;
  let token: string;
  let exit: Promise<number | null>;
  const output: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "taskcal-e2e-"));
    // On PostgreSQL the process gets a fresh database; otherwise it embeds PGlite in DATA_DIR.
    if (backend === "postgres") database = await openTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn("node_modules/.bin/tsx", ["main.ts"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: String(port),
        LOG_LEVEL: "info",
        ...(database?.url ? { DATABASE_URL: database.url } : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (chunk) => output.push(String(chunk)));
    child.stderr!.on("data", (chunk) => output.push(String(chunk)));
    exit = new Promise((done) => child.on("exit", (code) => done(code)));
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`taskcal exited early:\n${output.join("")}`);
      const up = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`taskcal did not become healthy:\n${output.join("")}`);
      await new Promise((done) => setTimeout(done, 250));
    }
    token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  };

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
