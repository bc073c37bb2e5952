// The real service as `npm start` runs it, in a child process on a free port.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { jsonClient, type JsonAnswer } from "../json-client";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

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

/** Starts `node --import tsx main.ts` with DATA_DIR and the given environment, and waits until /health answers. */
export async function startTaskcal(dataDir: string, env: Record<string, string> = {}): Promise<TaskcalProcess> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  // node itself with tsx's loader (as the container runs it), not the tsx launcher, which would
  // stay between us and the service: a SIGKILL must reach the service.
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => output.push(String(chunk)));
  child.stderr!.on("data", (chunk) => output.push(String(chunk)));
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`taskcal exited early:\n${output.join("")}`);
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
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
