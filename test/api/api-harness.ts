// An app over a fresh test database (PGlite or PostgreSQL, see test/db/harness),
// and a small client that speaks JSON with the admin token.
import { createApp } from "../../api/app.js";
import type { ApiDeps } from "../../api/deps.js";
import { SecretBox } from "../../db/secret-box.js";
import { createLogger } from "../../logger.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";

export const ADMIN_TOKEN = "test-admin-token";

export interface CallOptions {
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as is instead of JSON.stringify(body). */
  raw?: string;
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface ApiHarness {
  app: ReturnType<typeof createApp>;
  database: TestDatabase;
  secrets: SecretBox;
  logLines: string[];
  call(method: string, path: string, body?: unknown, options?: CallOptions): Promise<Answer>;
  /** POST that must answer 201; returns the created resource. */
  create(path: string, body: unknown): Promise<any>;
  close(): Promise<void>;
}

/** `options` adds to or replaces the app's dependencies (providers, an engine...); the built-in providers by default. */
export async function openApi(options: Partial<Omit<ApiDeps, "database" | "secrets" | "logger">> = {}): Promise<ApiHarness> {
  const database = await openTestDatabase();
  const secrets = new SecretBox("test-secret-key");
  const logLines: string[] = [];
  const logger = createLogger("debug", { write: (line: string) => void logLines.push(line) });
  const app = createApp({ database, secrets, adminToken: ADMIN_TOKEN, logger, providers: builtInRegistry(), ...options });
  const harness: ApiHarness = {
    app,
    database,
    secrets,
    logLines,
    async call(method, path, body, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== null) headers.authorization = `Bearer ${options.token ?? ADMIN_TOKEN}`;
      const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
      if (payload !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
      const res = await app.request(path, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
    async create(path, body) {
      const answer = await harness.call("POST", path, body);
      if (answer.status !== 201) throw new Error(`POST ${path} answered ${answer.status}: ${answer.text}`);
      return answer.body;
    },
    close: () => database.close(),
  };
  return harness;
}
