// Each test file gets a database of its own: PGlite in memory by default, a
// fresh database on the PostgreSQL server named by TEST_DATABASE_URL, or
// (TEST_DATABASE=container, on machines with a Docker engine) on a PostgreSQL
// container the test run starts once (test/global-setup.ts).
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, openDatabase } from "../db/database.js";
import { driverErrorOf } from "../db/errors.js";

export type TestDatabaseChoice = { kind: "pglite" } | { kind: "server"; url: string } | { kind: "container"; image: string };

/** Which database the tests run on, from the environment. */
export function chooseTestDatabase(env: Record<string, string | undefined>): TestDatabaseChoice {
  const wanted = env.TEST_DATABASE ?? "";
  if (wanted === "container") return { kind: "container", image: env.TEST_DATABASE_IMAGE || "postgres:16-alpine" };
  if (wanted !== "" && wanted !== "pglite" && wanted !== "server") {
    throw new Error(`TEST_DATABASE must be pglite, server or container, not ${JSON.stringify(wanted)}`);
  }
  if (env.TEST_DATABASE_URL && wanted !== "pglite") return { kind: "server", url: env.TEST_DATABASE_URL };
  if (wanted === "server") throw new Error("TEST_DATABASE=server needs TEST_DATABASE_URL");
  return { kind: "pglite" };
}

/**
 * A PostgreSQL container for the whole test run; its URL becomes
 * TEST_DATABASE_URL for the test processes. Needs a Docker engine.
 */
export async function startTestContainer(image: string): Promise<{ url: string; stop(): Promise<void> }> {
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const container = await new PostgreSqlContainer(image).start();
  return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
}

/** The server the test processes use (a container's too, once the run's setup started it); none for PGlite. */
const serverUrl = chooseTestDatabase(process.env).kind === "pglite" ? undefined : process.env.TEST_DATABASE_URL;

export const backend = serverUrl ? "postgres" : "pglite";

export interface TestDatabase extends Database {
  /** The URL of the fresh PostgreSQL database (postgres backend only), for child processes. */
  url?: string;
}

// PGlite takes seconds to boot, so each test process keeps one and empties it between uses.
let sharedPglite: Promise<Database> | null = null;

// One statement list run in one transaction: an engine still winding down on
// another connection must never see (or re-create) an empty settings table.
const RESET = [
  "truncate journal, links, binding_state, bindings, tasks, task_counters, operators, event_types, provider_settings, settings, audit_log, sessions, oauth_states, credential_health restart identity cascade",
  "insert into settings (id) values (1) on conflict do nothing",
];

/** PostgreSQL's "deadlock detected": the statement was chosen to give way, and may simply run again. */
const DEADLOCK = "40P01";

/**
 * Empties every table, as a fresh migrated database has them (bindings'
 * dependants go with them). The truncate locks every table in turn, so a
 * late write of an engine winding down can deadlock with it on PostgreSQL
 * (seen once, after the model test's last run): the truncate then runs again.
 */
export async function emptyDatabase(database: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await database.db.transaction(async (tx) => {
        for (const statement of RESET) await tx.execute(sql.raw(statement));
      });
      return;
    } catch (error) {
      if (attempt >= 5 || driverErrorOf(error)?.code !== DEADLOCK) throw error;
    }
  }
}

/** A migrated cluster dumped once per run by test/global-setup.ts. */
function template(): Blob | undefined {
  const path = process.env.TASKCAL_PGLITE_TEMPLATE;
  return path && existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

async function openPgliteForTest(): Promise<TestDatabase> {
  sharedPglite ??= openDatabase({ template: template() });
  const database = await sharedPglite;
  return {
    ...database,
    close: () => emptyDatabase(database),
  };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) return openPgliteForTest();
  const name = `taskcal_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
