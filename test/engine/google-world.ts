// The whole service in one process: the HTTP API, the engine and the Google
// adapter, against the project's fake Google server and a real database.
import { type ServerType, serve } from "@hono/node-server";
import pino from "pino";
import { expect } from "vitest";
import { googleProvider } from "../../adapters/google/definition.js";
import type { PacingObserver } from "../../adapters/pacing-observer.js";
import { ProviderRegistry } from "../../adapters/registry.js";
import { createApp } from "../../api/app.js";
import type { ActorStateName as ActorState } from "../../db/enums.js";
import { SecretBox } from "../../db/secret-box.js";
import { Supervisor } from "../../engine/supervisor.js";
import { createLogger } from "../../logger.js";
import { Browser } from "../../testkit/browser.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { jsonClient, ok } from "../../testkit/json-client.js";
import { freePort } from "../../testkit/ports.js";

export const ADMIN = "google-world-admin-token";

export interface GoogleWorld {
  google: FakeGoogle;
  app: ReturnType<typeof createApp>;
  database: TestDatabase;
  supervisor: Supervisor;
  email: string;
  refreshToken: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates settings, a type, an operator on the company token and a binding; returns their ids. */
  setUp(options?: {
    conflictPolicy?: string;
    googleRequestsPerMinute?: number;
    pollIntervalSeconds?: number;
  }): Promise<{ typeId: string; operatorId: string; bindingId: string; calendarId: string }>;
  waitForState(bindingId: string, state: ActorState): Promise<void>;
  settle(bindingId: string): Promise<void>;
  /** A browser in which the app is http://localhost (served in process) and Google is the fake. */
  browser(): Browser;
  /** The company settings with the fake's OAuth client, no account connected. */
  setClient(extra?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface GoogleWorldOptions {
  /** Serve the app over HTTP and open push channels to its webhook. */
  webhook?: boolean;
  /** Every log line goes here (at debug level), for tests that check what is never logged. */
  logLines?: string[];
  /** Changes the Google provider's definition before it is registered (a provider that says less). */
  adaptProvider?: (definition: ReturnType<typeof googleProvider>) => ReturnType<typeof googleProvider>;
  quota?: { limit: number; windowMs: number };
  /** The pace of all accounts together (GOOGLE_PROJECT_QUOTA_PER_MINUTE); none by default. */
  projectRequestsPerMinute?: number;
  /** Told of the pacers' waits. */
  pacing?: PacingObserver;
}

export async function startGoogleWorld(options: GoogleWorldOptions = {}): Promise<GoogleWorld> {
  const google = await startFakeGoogle({ quota: options.quota });
  const email = "company@example.com";
  const refreshToken = google.addAccount(email);
  const database = await openTestDatabase();
  const secrets = new SecretBox("google-world-key");
  const logLines = options.logLines;
  const logger = logLines
    ? createLogger("debug", { write: (line: string) => void logLines.push(line) })
    : pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const providers = new ProviderRegistry();
  const definition = googleProvider({
    apiRootUrl: google.rootUrl,
    tokenUrl: google.tokenUrl,
    authUrl: google.authUrl,
    retry: { maxAttempts: 1 },
    projectRequestsPerMinute: options.projectRequestsPerMinute,
    pacing: options.pacing,
  });
  providers.register(options.adaptProvider ? options.adaptProvider(definition) : definition);
  let server: ServerType | undefined;
  let webhookBaseUrl: string | undefined;
  if (options.webhook) {
    const port = await freePort();
    webhookBaseUrl = `http://127.0.0.1:${port}/`;
    server = serve({ fetch: (request) => app.fetch(request), port, hostname: "127.0.0.1" });
  }
  const supervisor = new Supervisor({
    database,
    providers,
    secrets,
    logger,
    webhookBaseUrl,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    reconcileDelayMs: 10,
  });
  await supervisor.start();
  const app = createApp({ database, secrets, adminToken: ADMIN, logger, engine: supervisor, providers });

  const world: GoogleWorld = {
    google,
    app,
    database,
    supervisor,
    email,
    refreshToken,
    call: jsonClient((path, init) => app.request(path, init), ADMIN),
    async setUp(options = {}) {
      ok(
        await world.call("PATCH", "/api/settings", {
          googleClientId: google.clientId,
          googleClientSecret: google.clientSecret,
          defaultRefreshToken: refreshToken,
          pollIntervalSeconds: options.pollIntervalSeconds ?? 3600,
          conflictPolicy: options.conflictPolicy ?? "latest-wins",
          ...(options.googleRequestsPerMinute ? { googleRequestsPerMinute: options.googleRequestsPerMinute } : {}),
        }),
      );
      const type = ok(
        await world.call("POST", "/api/event-types", {
          name: "Meeting",
          googleSync: true,
          display: { fields: ["number", "customer"], features: ["Budget"] },
        }),
      );
      const operator = ok(await world.call("POST", "/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true }));
      const [binding] = ok(
        await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna – meetings" }]),
      );
      await world.waitForState(binding.bindingId, "incremental");
      const calendar = google.user.calendars(email).find((c) => c.summary === "Anna – meetings");
      expect(calendar).toBeDefined();
      return { typeId: type.id, operatorId: operator.id, bindingId: binding.bindingId, calendarId: calendar!.id };
    },
    async waitForState(bindingId, state) {
      await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}`)).body?.state, { timeout: 15_000 }).toBe(state);
    },
    browser: () => new Browser({ "http://localhost": (url, init) => app.request(url.toString(), init) }),
    async setClient(extra = {}) {
      ok(await world.call("PATCH", "/api/settings", { googleClientId: google.clientId, googleClientSecret: google.clientSecret, ...extra }));
    },
    async settle(bindingId) {
      await expect.poll(() => supervisor.actorStatus(bindingId)?.idle ?? false, { timeout: 15_000 }).toBe(true);
    },
    async close() {
      server?.close();
      await supervisor.stop();
      await database.close();
      await google.close();
    },
  };
  return world;
}
