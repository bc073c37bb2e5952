// Key rotation as an administrator runs it: `node dist/rotate-secret-key.js`
// (what `npm run rotate-secret-key` runs after building), between runs of the
// real service on one data folder.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

const KEY_A = "a".repeat(64);
const KEY_B = "b".repeat(64);
const UNREADABLE = "does not open the secrets";

let dataDir: string;
let service: TaskcalProcess | undefined;
afterEach(async () => {
  if (service?.child.exitCode === null) {
    service.child.kill("SIGTERM");
    await service.exit;
  }
  service = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function rotate(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["dist/rotate-secret-key.js"], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  // Once the pipes have closed ("close", not "exit"): the output is whole.
  return new Promise((done) => child.on("close", (code) => done({ code, output })));
}

/** Runs the service once with `env`, storing three secrets when `store`; returns its log. */
async function runService(env: Record<string, string>, store = false): Promise<string> {
  service = await startTaskcal(dataDir, env);
  if (store) {
    expect((await service.api("PATCH", "/api/settings", { googleClientSecret: "client-secret", defaultRefreshToken: "company-token" })).status).toBe(
      200,
    );
    const operator = { name: "Anna", googleEnabled: false, useConfigToken: false, refreshToken: "anna-token" };
    expect((await service.api("POST", "/api/operators", operator)).status).toBe(201);
  }
  service.child.kill("SIGTERM");
  await service.exit;
  return service.output.join("");
}

describe("npm run rotate-secret-key", () => {
  it("seals every secret again under SECRET_KEY from SECRET_KEY_PREVIOUS; the old key alone no longer opens them", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "taskcal-rotate-"));
    await runService({ SECRET_KEY: KEY_A }, true);

    const rotated = await rotate({ SECRET_KEY: KEY_B, SECRET_KEY_PREVIOUS: KEY_A });
    expect(rotated.output).toContain("3 secret(s) sealed again");
    expect(rotated.code).toBe(0);

    expect(await runService({ SECRET_KEY: KEY_B })).not.toContain(UNREADABLE);
    expect(await runService({ SECRET_KEY: KEY_A })).toContain(UNREADABLE);
  }, 120_000);

  it("refuses, changing nothing, when neither key opens the secrets", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "taskcal-rotate-"));
    await runService({ SECRET_KEY: KEY_A }, true);
    const refused = await rotate({ SECRET_KEY: KEY_B, SECRET_KEY_PREVIOUS: "c".repeat(64) });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/nothing was changed: neither SECRET_KEY nor SECRET_KEY_PREVIOUS opens/);
    expect(await runService({ SECRET_KEY: KEY_A })).not.toContain(UNREADABLE);
  }, 120_000);

  it("without SECRET_KEY, replaces the generated key file with a new key the service then uses", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "taskcal-rotate-"));
    await runService({}, true);
    const before = readFileSync(join(dataDir, "secret-key"), "utf8");
    const rotated = await rotate({});
    expect(rotated.code).toBe(0);
    expect(rotated.output).toContain("3 secret(s) sealed again");
    expect(readFileSync(join(dataDir, "secret-key"), "utf8")).not.toBe(before);
    expect(await runService({})).not.toContain(UNREADABLE);
    expect(await runService({ SECRET_KEY: before.trim() })).toContain(UNREADABLE);
  }, 120_000);
});
