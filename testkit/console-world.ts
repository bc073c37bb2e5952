// What the console's browser tests and screenshot script run against: the
// fake Google (one account) and the service in this process, on a free port,
// with an admin and a read-only token.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { type RunningService, startService } from "../service.js";
import { type FakeGoogle, startFakeGoogle } from "./fake-google/server.js";
import { freePort } from "./ports.js";

export interface ConsoleWorld {
  google: FakeGoogle;
  service: RunningService;
  base: string;
  email: string;
  /** A refresh token of the fake account, as the consent flow would have stored. */
  refreshToken: string;
  adminToken: string;
  readonlyToken: string;
  /** The admin's bearer call to the API (the CRM side of the story). */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startConsoleWorld(options: { databaseUrl?: string } = {}): Promise<ConsoleWorld> {
  const email = "anna@example.com";
  const google = await startFakeGoogle();
  const refreshToken = google.addAccount(email);
  const dataDir = mkdtempSync(join(tmpdir(), "taskcal-console-"));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const adminToken = "console-admin-token-0123456789abcdef";
  const readonlyToken = "console-readonly-token-0123456789abcdef";
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    ADMIN_TOKEN: adminToken,
    READONLY_TOKEN: readonlyToken,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    GOOGLE_OAUTH_AUTH_URL: google.authUrl,
    OAUTH_REDIRECT_BASE_URL: base,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const service = await startService(config, createLogger(config.logLevel));
  return {
    google,
    service,
    base,
    email,
    refreshToken,
    adminToken,
    readonlyToken,
    async api(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await service.stop();
      await google.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
