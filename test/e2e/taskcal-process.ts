// The real service as `npm start` runs it, in a child process on a free port.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type JsonAnswer, jsonClient } from "../../testkit/json-client.js";
import { freePort } from "../../testkit/ports.js";

export interface TaskcalProcess {
  child: ChildProcess;
  base: string;
  token: string;
  output: string[];
  exit: Promise<number | null>;
  api(method: string, path: string, body?: unknown): Promise<JsonAnswer>;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  crash(): Promise<void>;
}

/**
 * Starts the compiled service (`node dist/main.js`, as `npm start` and the
 * container run it) with DATA_DIR and the given environment (PORT in it: that
 * port, else a free one), and waits until /health answers.
 */
export async function startTaskcal(dataDir: string, env: Record<string, string> = {}): Promise<TaskcalProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  // node itself, not npm, which would stay between us and the service: a SIGKILL must reach the service.
  // test/global-setup.ts built dist/ for this run.
  const child = spawn(process.execPath, ["dist/main.js"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => output.push(String(chunk)));
  child.stderr!.on("data", (chunk) => output.push(String(chunk)));
  // "close", not "exit": the process can exit before its last lines have come through the pipes.
  const exit = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`taskcal exited early:\n${output.join("")}`);
    if (
      await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`taskcal did not become healthy:\n${output.join("")}`);
    await new Promise((done) => setTimeout(done, 250));
  }
  const token = env.ADMIN_TOKEN ?? readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  return {
    child,
    base,
    token,
    output,
    exit,
    api: jsonClient((path, init) => fetch(`${base}${path}`, init), token),
    async crash() {
      child.kill("SIGKILL");
      await exit;
    },
  };
}
