// The whole service in one process: the HTTP API, the engine and the
// Microsoft 365 provider, against the project's fake Graph server and a real
// database. With `webhook`, the app is served over HTTP and the supervisor
// opens Graph subscriptions to it.
import { type ServerType, serve } from "@hono/node-server";
import pino from "pino";
import { expect } from "vitest";
import { microsoftProvider } from "../../adapters/microsoft/definition.js";
import { ProviderRegistry } from "../../adapters/registry.js";
import { createApp } from "../../api/app.js";
import type { ActorStateName as ActorState } from "../../db/enums.js";
import { SecretBox } from "../../db/secret-box.js";
import type { Action } from "../../engine/actions.js";
import { Supervisor } from "../../engine/supervisor.js";
import { Browser } from "../../testkit/browser.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { type FakeGraph, type FakeGraphOptions, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { jsonClient, ok } from "../../testkit/json-client.js";
import { freePort } from "../../testkit/ports.js";

const ADMIN = "microsoft-world-admin-token";

export interface MicrosoftWorld {
  graph: FakeGraph;
  database: TestDatabase;
  supervisor: Supervisor;
  /** A browser in which the app is http://localhost (served in process) and Microsoft's sign-in is the fake. */
  browser(): Browser;
  email: string;
  refreshToken: string;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Company settings for the app and the company mailbox, a type, an operator on it and a binding; returns their ids. */
  setUp(options?: {
    /** Leave the company token out (it is to be connected through the consent flow); the actor then waits in error. */
    withoutToken?: boolean;
    conflictPolicy?: string;
    pollIntervalSeconds?: number;
    monthsBack?: number;
  }): Promise<{ typeId: string; operatorId: string; bindingId: string; calendarId: string }>;
  /** Live events of the calendar, as Outlook stores them (series masters, not occurrences). */
  events(calendarId: string): Record<string, any>[];
  tasks(): Promise<any[]>;
  waitForState(bindingId: string, state: ActorState): Promise<void>;
  settle(bindingId: string): Promise<void>;
  close(): Promise<void>;
}

export interface MicrosoftWorldOptions {
  /** Serve the app over HTTP and open Graph subscriptions to its webhook. */
  webhook?: boolean;
  graph?: FakeGraphOptions;
  /** Test seam: runs between an action's calendar write and its commit (throw to crash there). */
  beforeCommit?: (action: Action) => void;
}

export async function startMicrosoftWorld(options: MicrosoftWorldOptions = {}): Promise<MicrosoftWorld> {
  const graph = await startFakeGraph(options.graph);
  const email = "company@contoso.example";
  const refreshToken = graph.addAccount(email);
  const database = await openTestDatabase();
  const secrets = new SecretBox("microsoft-world-key");
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const providers = new ProviderRegistry();
  providers.register(microsoftProvider({ retry: { maxAttempts: 1 }, timeoutMs: 5_000 }));
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
    beforeCommit: options.beforeCommit,
  });
  await supervisor.start();
  const app = createApp({ database, secrets, adminToken: ADMIN, logger, engine: supervisor, providers });

  const world: MicrosoftWorld = {
    graph,
    database,
    supervisor,
    browser: () => new Browser({ "http://localhost": (url, init) => app.request(url.toString(), init) }),
    email,
    refreshToken,
    call: jsonClient((path, init) => app.request(path, init), ADMIN),
    async setUp(setup = {}) {
      ok(
        await world.call("PATCH", "/api/settings", {
          pollIntervalSeconds: setup.pollIntervalSeconds ?? 3600,
          conflictPolicy: setup.conflictPolicy ?? "latest-wins",
          ...(setup.monthsBack !== undefined ? { monthsBack: setup.monthsBack } : {}),
        }),
      );
      ok(
        await world.call("PATCH", "/api/providers/microsoft/settings", {
          tenant: graph.tenantId,
          clientId: graph.clientId,
          clientSecret: graph.clientSecret,
          ...(setup.withoutToken ? {} : { defaultRefreshToken: refreshToken }),
          authorityUrl: graph.authorityUrl,
          graphUrl: graph.graphUrl,
        }),
      );
      const type = ok(
        await world.call("POST", "/api/event-types", {
          name: "Meeting",
          googleSync: true,
          display: { fields: ["number", "customer"], features: [] },
        }),
      );
      const operator = ok(
        await world.call("POST", "/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true, provider: "microsoft" }),
      );
      const [binding] = ok(
        await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna – meetings" }]),
      );
      await world.waitForState(binding.bindingId, setup.withoutToken ? "error" : "incremental");
      const calendar = graph.user.calendars(email).find((c) => c.name === "Anna – meetings");
      if (!setup.withoutToken) expect(calendar).toBeDefined();
      return { typeId: type.id, operatorId: operator.id, bindingId: binding.bindingId, calendarId: calendar?.id ?? "" };
    },
    events: (calendarId) => graph.user.events(email, calendarId),
    tasks: async () => (await world.call("GET", "/api/tasks?limit=500")).body.items,
    async waitForState(bindingId, state) {
      await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}`)).body?.state, { timeout: 15_000 }).toBe(state);
    },
    async settle(bindingId) {
      await expect.poll(() => supervisor.actorStatus(bindingId)?.idle ?? false, { timeout: 15_000 }).toBe(true);
    },
    async close() {
      server?.close();
      await supervisor.stop();
      await database.close();
      await graph.close();
    },
  };
  return world;
}
