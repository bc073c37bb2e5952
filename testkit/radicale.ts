// A real Radicale server for tests: random loopback port, its own storage
// folder and htpasswd file, stopped and wiped afterwards.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { appendFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { CalDavAccountCredentials } from "../adapters/caldav/index.js";
import { freePort } from "./ports.js";

export interface RadicaleUser {
  username: string;
  password: string;
}

export interface RadicaleServer {
  /** Root URL, ending in "/". */
  url: string;
  users: RadicaleUser[];
  /** A new account (Radicale reads the users file at every login). */
  addUser(): Promise<RadicaleUser>;
  credentials(user?: RadicaleUser): CalDavAccountCredentials;
  /** Raw HTTP "as the user", bypassing the adapter. `path` is absolute or relative to the root. */
  request(method: string, path: string, init?: { body?: string; headers?: Record<string, string>; user?: RadicaleUser }): Promise<Response>;
  /** Makes every sync token issued so far unknown to the server. */
  forgetSyncTokens(): Promise<void>;
  /**
   * The folder holding the resources of the collection at `path` (absolute, as
   * MKCALENDAR made it): Radicale's multifilesystem layout is
   * collection-root/<user>/<calendar>/, one file per resource beside the
   * collection's .Radicale.props. Files written there are served as if PUT
   * (a benchmark seeds large calendars so, Radicale's PUT costing time in
   * proportion to the collection).
   */
  folderOf(path: string): string;
  stop(): Promise<void>;
}

function findRadicale(): string | undefined {
  if (process.env.RADICALE_BIN) return process.env.RADICALE_BIN;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "radicale");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const radicaleBin = findRadicale();

/** Whether a radicale binary is on this machine. */
export const radicaleInstalled = radicaleBin !== undefined;

function basicAuth(user: RadicaleUser): string {
  return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`;
}

async function waitUntilAnswering(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}:\n${log()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return; // any answer (401 included) means it is serving
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`radicale did not answer at ${url}:\n${log()}`);
}

export async function startRadicale(): Promise<RadicaleServer> {
  if (!radicaleBin) {
    throw new Error("The `radicale` binary is not installed (apt-get install radicale); CalDAV tests need it on CI.");
  }
  const dir = await mkdtemp(join(tmpdir(), "taskcal-radicale-"));
  const users: RadicaleUser[] = [
    { username: "alice", password: "alice-secret-pw" },
    { username: "bob", password: "bob-secret-pw" },
  ];
  // The Debian build has no bcrypt module, so the users file is plain text.
  const usersFile = join(dir, "users");
  const storage = join(dir, "collections");
  await writeFile(usersFile, `${users.map((u) => `${u.username}:${u.password}`).join("\n")}\n`);
  const port = await freePort();
  const config = join(dir, "config");
  await writeFile(
    config,
    [
      "[server]",
      `hosts = 127.0.0.1:${port}`,
      "[auth]",
      "type = htpasswd",
      `htpasswd_filename = ${usersFile}`,
      "htpasswd_encryption = plain",
      "delay = 0.01",
      "[rights]",
      "type = owner_only",
      "[storage]",
      `filesystem_folder = ${storage}`,
      "[web]",
      "type = none",
      "[logging]",
      "level = warning",
      "",
    ].join("\n"),
  );

  // RADICALE_LOG=1 shows the server's own warnings (why it refused a PUT, say).
  const child = spawn(radicaleBin, ["--config", config], { stdio: ["ignore", "ignore", process.env.RADICALE_LOG ? "inherit" : "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  const url = `http://127.0.0.1:${port}/`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilAnswering(url, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url,
    users,
    credentials: (user = users[0]) => ({ serverUrl: url, ...user }),
    addUser: async () => {
      const user = { username: `user-${randomUUID().slice(0, 8)}`, password: randomUUID() };
      await appendFile(usersFile, `${user.username}:${user.password}\n`);
      users.push(user);
      return user;
    },
    forgetSyncTokens: async () => {
      // Radicale keeps the state behind each sync token in these folders.
      for (const entry of await readdir(storage, { recursive: true, withFileTypes: true })) {
        if (entry.isDirectory() && entry.name === "sync-token") {
          await rm(join(entry.parentPath, entry.name), { recursive: true, force: true });
        }
      }
    },
    folderOf: (path) =>
      join(
        storage,
        "collection-root",
        ...path
          .split("/")
          .filter(Boolean)
          .map((segment) => decodeURIComponent(segment)),
      ),
    request: (method, path, init = {}) =>
      fetch(new URL(path, url), {
        method,
        body: init.body,
        headers: { Authorization: basicAuth(init.user ?? users[0]), ...init.headers },
      }),
    stop,
  };
}
