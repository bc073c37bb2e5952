// What every benchmark shares: a database (real PostgreSQL from DATABASE_URL,
// else embedded PGlite), the service wired as main.ts would wire it (API +
// engine + Google adapter) against the project's fake Google server on
// loopback, bulk seeding straight into the tables, and small statistics.
import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { sql } from "drizzle-orm";
import pino from "pino";
import postgres from "postgres";
import { registerBuiltInProviders } from "../adapters/built-in.js";
import { ProviderRegistry } from "../adapters/registry.js";
import { createApp } from "../api/app.js";
import { type Database, openDatabase } from "../db/database.js";
import { saveProviderSettings } from "../db/queries/providers.js";
import { bindings, eventTypes, operators, settings, tasks } from "../db/schema.js";
import { storeFields } from "../db/sealed-fields.js";
import { SecretBox } from "../db/secret-box.js";
import { Supervisor } from "../engine/supervisor.js";
import { type FakeGoogle, type FakeGoogleOptions, startFakeGoogle } from "../testkit/fake-google/server.js";

export const ADMIN_TOKEN = "bench-admin-token";
export const SECRET_KEY = "bench-secret-key";
export const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? "silent" });

/** Progress goes to stderr; stdout carries only the result table. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- statistics

export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export const median = (values: number[]) => quantile(values, 0.5);

export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

// ------------------------------------------------------------------ database

export interface BenchDatabase extends Database {
  /** Gives the database back: PGlite is emptied for the next scenario, a PostgreSQL database is dropped. */
  release(): Promise<void>;
  /** The PostgreSQL database's URL, for service processes (absent on PGlite). */
  url?: string;
}

let sharedPglite: Promise<Database> | null = null;

const RESET = [
  "truncate journal, links, binding_state, bindings, tasks, task_counters, operators, event_types, settings, audit_log restart identity cascade",
  "insert into settings (id) values (1)",
];

/** A fresh, migrated database: its own database on DATABASE_URL's server, or the process's one PGlite (booting it takes seconds), emptied. */
export async function acquireDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    sharedPglite ??= openDatabase({});
    const database = await sharedPglite;
    return {
      ...database,
      async release() {
        for (const statement of RESET) await database.db.execute(sql.raw(statement));
      },
      async close() {
        // closed once, by closeDatabases()
      },
    };
  }
  const name = `taskcal_bench_${randomBytes(5).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async release() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export async function closeDatabases(): Promise<void> {
  if (sharedPglite) await (await sharedPglite).close();
  sharedPglite = null;
}

export const databaseKind = () => (process.env.DATABASE_URL ? "postgres" : "pglite");

// ------------------------------------------------------------------- seeding

export interface SeedSpec {
  clientId: string;
  clientSecret: string;
  /** One operator per token, each on its own Google account (individual refresh tokens). */
  tokens: string[];
  /** Bindings per operator: one task type each, each to its own calendar. */
  typesPerOperator: number;
  pollIntervalSeconds: number;
  googleRequestsPerMinute: number;
  monthsBack?: number;
}

export interface SeededBinding {
  bindingId: string;
  operatorId: string;
  eventTypeId: string;
  calendarName: string;
  /** Index of the operator (and of its token). */
  operator: number;
}

const CHUNK = 500;

export async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * Writes settings, types, operators and bindings straight into the tables
 * (the API would take minutes for 10,000 bindings and measures nothing here).
 * Run it before the supervisor starts, so it spawns every actor at once.
 */
export async function seedBindings(database: Database, secrets: SecretBox, spec: SeedSpec): Promise<SeededBinding[]> {
  const { db } = database;
  await db
    .update(settings)
    .set({ pollIntervalSeconds: spec.pollIntervalSeconds, monthsBack: spec.monthsBack ?? 3 })
    .where(sql`${settings.id} = 1`);
  await saveProviderSettings(
    db,
    "google",
    storeFields(
      { clientId: spec.clientId, clientSecret: spec.clientSecret, requestsPerMinute: spec.googleRequestsPerMinute },
      ["clientSecret"],
      secrets,
      "provider:google",
    ),
  );
  const types = await db
    .insert(eventTypes)
    .values(
      Array.from({ length: spec.typesPerOperator }, (_, j) => ({
        name: `Type ${j}`,
        syncEnabled: true,
        display: { fields: ["number" as const, "location" as const], features: [] },
      })),
    )
    .returning({ id: eventTypes.id });
  const operatorRows: { id: string }[] = [];
  await insertChunked(spec.tokens, async (chunk) => {
    const offset = operatorRows.length;
    operatorRows.push(
      ...(await db
        .insert(operators)
        .values(
          chunk.map((token, k) => {
            const id = randomUUID();
            return {
              id,
              name: `Operator ${offset + k}`,
              provider: "google",
              syncEnabled: true,
              useConfigToken: false,
              accountSecrets: { refreshToken: secrets.seal(token, `operator:${id}:refreshToken`) },
            };
          }),
        )
        .returning({ id: operators.id })),
    );
  });
  const wanted = operatorRows.flatMap((op, i) =>
    types.map((type, j) => ({ operatorId: op.id, eventTypeId: type.id, calendarName: `op${i}-type${j}`, operator: i })),
  );
  const seeded: SeededBinding[] = [];
  await insertChunked(wanted, async (chunk) => {
    const rows = await db
      .insert(bindings)
      .values(chunk.map(({ operatorId, eventTypeId, calendarName }) => ({ operatorId, eventTypeId, calendarName })))
      .returning({ id: bindings.id });
    rows.forEach((row, k) => {
      seeded.push({ bindingId: row.id, ...chunk[k] });
    });
  });
  return seeded;
}

export interface TaskSeed {
  operatorId: string;
  eventTypeId: string;
}

/** Timed tasks, one hour long, spread over the coming weeks: the rows to insert, in order. */
export function taskRows(seeds: TaskSeed[], subject = "Bench task", base = Date.now() + 86_400_000): (typeof tasks.$inferInsert)[] {
  return seeds.map(({ operatorId, eventTypeId }, i) => ({
    operatorId,
    eventTypeId,
    subject: `${subject} ${i}`,
    description: "Seeded by the benchmark",
    allDay: false,
    startAt: new Date(base + (i % 500) * 3_600_000),
    endAt: new Date(base + (i % 500) * 3_600_000 + 3_600_000),
  }));
}

/** Inserts taskRows(seeds); returns their ids in order. */
export async function insertTasks(database: Database, seeds: TaskSeed[], subject = "Bench task"): Promise<string[]> {
  const ids: string[] = [];
  await insertChunked(taskRows(seeds, subject), async (chunk) => {
    const rows = await database.db.insert(tasks).values(chunk).returning({ id: tasks.id });
    ids.push(...rows.map((r) => r.id));
  });
  return ids;
}

// --------------------------------------------------------------------- world

export interface WorldOptions {
  database: Database;
  fake?: FakeGoogleOptions;
  /** Serve the API over HTTP and give the supervisor the webhook address, so the fake's watch channels reach it. */
  webhook?: boolean;
  /** Starting pace; the settings' googleRequestsPerMinute takes over at the first reconcile. */
  requestsPerMinute?: number;
  /** Adapters for other providers (CalDAV), beside Google's. */
  caldav?: boolean;
}

export interface World {
  google: FakeGoogle;
  database: Database;
  secrets: SecretBox;
  providers: ProviderRegistry;
  supervisor: Supervisor;
  app: ReturnType<typeof createApp>;
  webhookBaseUrl?: string;
  /** An API call as an administrator (or the CRM) would make it, in process. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Accounts on the fake, then seeded bindings: `operators` accounts × `typesPerOperator` calendars each. */
  seed(options: {
    operators: number;
    typesPerOperator: number;
    pollIntervalSeconds: number;
    googleRequestsPerMinute: number;
  }): Promise<SeededBinding[]>;
  /** E-mail of operator i's account (as seeded). */
  emailOf(operator: number): string;
  start(): Promise<void>;
  /** Waits until every given actor sits idle in `incremental`. */
  waitIdle(bindingIds: string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

interface WebhookServer {
  /** The server's address, under which the fake's watch channels post (webhooks/google): give it to the supervisor. */
  webhookBaseUrl: string;
  /** The app to serve, once the supervisor it needs exists. */
  serve(app: ReturnType<typeof createApp>): void;
  close(): Promise<void>;
}

/** An HTTP server for push notices, started first: the supervisor needs its address, the app needs the supervisor. */
async function startWebhookServer(): Promise<WebhookServer> {
  let app: ReturnType<typeof createApp> | undefined;
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: (request) => app!.fetch(request), port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  return {
    webhookBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    serve(served) {
      app = served;
    },
    async close() {
      const s = server as ServerType & { closeAllConnections?: () => void };
      s.closeAllConnections?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

export async function startWorld(options: WorldOptions): Promise<World> {
  const google = await startFakeGoogle(options.fake);
  const secrets = new SecretBox(SECRET_KEY);
  const providers = registerBuiltInProviders(new ProviderRegistry(), {
    google: { apiRootUrl: google.rootUrl, tokenUrl: google.tokenUrl, requestsPerMinute: options.requestsPerMinute ?? 500 },
    // P6's Radicale listens on plain http on loopback.
    caldav: { allowHttp: options.caldav ?? false },
  });

  const server = options.webhook ? await startWebhookServer() : undefined;
  const webhookBaseUrl = server?.webhookBaseUrl;
  const supervisor = new Supervisor({
    database: options.database,
    providers,
    secrets,
    logger,
    webhookBaseUrl,
  });
  const app = createApp({ database: options.database, secrets, adminToken: ADMIN_TOKEN, logger, engine: supervisor, providers });
  server?.serve(app);
  const emails: string[] = [];

  const world: World = {
    google,
    database: options.database,
    secrets,
    providers,
    supervisor,
    app,
    webhookBaseUrl,
    async call(method, path, body) {
      const res = await app.request(path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const answer = { status: res.status, body: text ? JSON.parse(text) : undefined };
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return answer;
    },
    async seed(spec) {
      const tokens = Array.from({ length: spec.operators }, (_, i) => {
        emails[i] = `operator${i}@bench.example`;
        return google.addAccount(emails[i]);
      });
      return seedBindings(options.database, secrets, { ...spec, tokens, clientId: google.clientId, clientSecret: google.clientSecret });
    },
    emailOf: (operator) => emails[operator],
    start: () => supervisor.start(),
    async waitIdle(bindingIds, timeoutMs) {
      await waitUntil(
        `${bindingIds.length} actors to settle`,
        () => bindingIds.every((id) => supervisor.actorStatus(id)?.idle ?? false),
        timeoutMs,
        50,
      );
    },
    async close() {
      await supervisor.stop();
      await server?.close();
      await google.close();
    },
  };
  return world;
}

/** The event id the adapter derives from a task id (the last path segment of writes in the fake's call log). */
export { eventIdForTaskId } from "../adapters/event-ids.js";

/** Kind of a logged fake call: `events.list`, `events.insert`, ... */
export function callKind(call: { method: string; path: string }): string {
  const p = call.path;
  if (/calendarList/.test(p)) return "calendarList";
  if (/events\/watch$/.test(p)) return "events.watch";
  if (/channels\/stop$/.test(p)) return "channels.stop";
  if (/\/events$/.test(p)) return call.method === "GET" ? "events.list" : "events.insert";
  if (/\/events\/[^/]+$/.test(p))
    return { GET: "events.get", PUT: "events.update", PATCH: "events.patch", DELETE: "events.delete" }[call.method] ?? call.method;
  if (/calendars(\/[^/]+)?$/.test(p)) return `calendars.${call.method === "GET" ? "get" : call.method === "POST" ? "insert" : "delete"}`;
  return `${call.method} ${p}`;
}

export function countKinds(calls: { method: string; path: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[callKind(call)] = (counts[callKind(call)] ?? 0) + 1;
  return counts;
}
