// The admin token's length rule as an operator meets it: `node dist/main.js`
// (what `npm start` and the container run), built by test/global-setup.ts.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../testkit/ports.js";

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<number | null>;
}

const dataDirs: string[] = [];
const children: ChildProcess[] = [];

async function start(env: Record<string, string>): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), "taskcal-token-"));
  dataDirs.push(dataDir);
  const child = spawn(process.execPath, ["dist/main.js"], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  // "close", not "exit": the tests read what the process wrote, which can still be in the pipes when it exits.
  const run: Run = { child, stdout: [], stderr: [], exit: new Promise((done) => child.on("close", (code) => done(code))) };
  child.stdout!.on("data", (chunk) => run.stdout.push(String(chunk)));
  child.stderr!.on("data", (chunk) => run.stderr.push(String(chunk)));
  return run;
}

describe("ADMIN_TOKEN length", () => {
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once("exit", done));
        child.kill("SIGTERM");
        await exited;
      }
    }
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("under 16 characters the service refuses to start: one clear line, non-zero exit, the token not echoed", async () => {
    const token = "short-token-123";
    const run = await start({ ADMIN_TOKEN: token });
    expect(await run.exit).toBe(1);
    const lines = run.stderr.join("").trimEnd().split("\n");
    expect(lines).toEqual([expect.stringMatching(/^invalid configuration: ADMIN_TOKEN: must be at least 16 characters/)]);
    expect(run.stdout.join("") + run.stderr.join("")).not.toContain(token);
  });

  it("under 32 characters it starts with a warning that names the variable, not the token", async () => {
    const token = "twenty-char-token-ab";
    const run = await start({ ADMIN_TOKEN: token });
    await expect
      .poll(
        () =>
          run.stdout
            .join("")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse(line)),
        { timeout: 30_000 },
      )
      .toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^ADMIN_TOKEN is shorter than 32 characters/) }));
    expect(run.stdout.join("")).not.toContain(token);
  });
});
