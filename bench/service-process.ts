// The service as users run it, for benchmarks that measure it from outside:
// the compiled build (`npm run build`), started the way `npm start` starts it
// (`node <its V8 flags> dist/main.js`), configured by its environment alone.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { type Exposition, parseExposition } from "../testkit/prometheus-text.js";
import { startEnv, startFlags } from "./start-command.js";
import { sleep } from "./world.js";

/** Compiles the service into dist/ (incremental: quick when nothing changed). */
export function buildService(): void {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
}

export interface ServiceProcess {
  pid: number;
  /** Where it listens: http://127.0.0.1:<port> */
  url: string;
  child: ChildProcess;
  /** Settles when the process has exited, with its exit code (null: killed by a signal). */
  exited: Promise<number | null>;
  /** Waits until it answers GET /health; throws if it exits first. */
  listening(timeoutMs: number): Promise<void>;
  /** GET /metrics, read. */
  metrics(): Promise<Exposition>;
  /** SIGTERM, as a service manager stops it; SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServiceProcessOptions {
  /** Its whole environment beside PATH and HOME (nothing else of the bench's leaks in). */
  env: Record<string, string>;
  port: number;
  /** Node flags after `npm start`'s (a profiler, a heap cap to try). */
  nodeFlags?: string[];
  /** Its log lines go to the bench's stderr, prefixed. */
  name: string;
}

export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const child = spawn(process.execPath, [...startFlags(), ...(options.nodeFlags ?? []), "dist/main.js"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(options.port), HOST: "127.0.0.1", ...startEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // pino logs to stdout; stdout of the bench carries only its result table.
  for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => process.stderr.write(`[${options.name}] ${chunk}`));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = `http://127.0.0.1:${options.port}`;
  let gone = false;
  void exited.then(() => (gone = true));
  return {
    pid: child.pid!,
    url,
    child,
    exited,
    async listening(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (gone) throw new Error(`${options.name} exited with ${child.exitCode ?? child.signalCode} before it listened`);
        const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${options.name} did not answer GET /health within ${timeoutMs} ms`);
        await sleep(200);
      }
    },
    async metrics() {
      const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(120_000) });
      if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
      return parseExposition(await response.text());
    },
    async stop(graceMs = 30_000) {
      if (gone) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
