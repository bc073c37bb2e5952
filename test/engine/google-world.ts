// The whole service in one process: the HTTP API, the engine and the Google
// adapter, against the project's fake Google server and a real database.
import { serve, type ServerType } from "@hono/node-server";
import pino from "pino";
import { expect } from "vitest";
import { createGoogleAdapterFactory } from "../../adapters/google";
import { createApp } from "../../api/app";
import { SecretBox } from "../../db/secret-box";
import type { ActorState } from "../../engine/binding-machine";
import { Supervisor } from "../../engine/supervisor";
import { jsonClient, ok } from "../json-client";
import { openTestDatabase, type TestDatabase } from "../db/harness";
import { freePort } from "../e2e/taskcal-process";
import { startFakeGoogle, type FakeGoogle } from "../fake-google/server";

const ADMIN = "google-world-admin-token";

export interface GoogleWorld {
  google: FakeGoogle;
  database: TestDatabase;
  supervisor: Supervisor;
  email: string;
  refreshToken: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates settings, a type, an operator on the company token and a binding; returns their ids. */
  setUp(options?: { conflictPolicy?: string; googleRequestsPerMinute?: number; pollIntervalSeconds?: number }): Promise<{ typeId: string; operatorId: string; bindingId: string; calendarId: string }>;
  waitForState(bindingId: string, state: ActorState): Promise<void>;
  settle(bindingId: string): Promise<void>;
  close(): Promise<void>;
}

export interface GoogleWorldOptions {
  /** Serve the app over HTTP and open push channels to its webhook. */
  webhook?: boolean;
  quota?: { limit: number; windowMs: number };
}

export async function startGoogleWorld(options: GoogleWorldOptions = {}): Promise<GoogleWorld> {
  const google = await startFakeGoogle({ quota: options.quota });
  const email = "company@example.com";
  const refreshToken = google.addAccount(email);
  const database = await openTestDatabase();
  const secrets = new SecretBox("google-world-key");
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const adapters = createGoogleAdapterFactory({
    apiRootUrl: google.rootUrl,
    tokenUrl: google.tokenUrl,
    requestsPerMinute: 500,
    retry: { maxAttempts: 1 },
  });
  let server: ServerType | undefined;
  let webhookUrl: string | undefined;
  if (options.webhook) {
    const port = await freePort();
    webhookUrl = `http://127.0.0.1:${port}/webhooks/google`;
    server = serve({ fetch: (request) => app.fetch(request), port, hostname: "127.0.0.1" });
  }
  const supervisor = new Supervisor({
    database,
    adapters,
    secrets,
    logger,
    webhookUrl,
    backoffBaseMs: 20,
    backoffMaxMs: 200,
    reconcileDelayMs: 10,
    onSettings: (current) => adapters.setRequestsPerMinute(current.googleRequestsPerMinute),
  });
  await supervisor.start();
  const app = createApp({ database, secrets, adminToken: ADMIN, logger, engine: supervisor });

  const world: GoogleWorld = {
    google,
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
      const type = ok(await world.call("POST", "/api/event-types", { name: "Meeting", googleSync: true, display: { fields: ["number", "customer"], features: ["Budget"] } }));
      const operator = ok(await world.call("POST", "/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true }));
      const [binding] = ok(await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna – meetings" }]));
      await world.waitForState(binding.bindingId, "incremental");
      const calendar = google.user.calendars(email).find((c) => c.summary === "Anna – meetings");
      expect(calendar).toBeDefined();
      return { typeId: type.id, operatorId: operator.id, bindingId: binding.bindingId, calendarId: calendar!.id };
    },
    async waitForState(bindingId, state) {
      await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}`)).body?.state, { timeout: 15_000 }).toBe(state);
    },
    async settle(bindingId) {
      await expect.poll(() => supervisor.isIdle(bindingId), { timeout: 15_000 }).toBe(true);
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
