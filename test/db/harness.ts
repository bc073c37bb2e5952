// Each test file gets a database of its own: PGlite in memory by default, or
// a fresh database on the PostgreSQL server named by TEST_DATABASE_URL.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type Database } from "../../db/database";

export const backend = process.env.TEST_DATABASE_URL ? "postgres" : "pglite";

export interface TestDatabase extends Database {
  /** The URL of the fresh PostgreSQL database (postgres backend only), for child processes. */
  url?: string;
}

// PGlite takes seconds to boot, so each test process keeps one and empties it between uses.
let sharedPglite: Promise<Database> | null = null;

const RESET = [
  "truncate journal, links, binding_state, bindings, tasks, task_counters, operators, event_types, settings restart identity cascade",
  "insert into settings (id) values (1)",
];

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
    async close() {
      for (const statement of RESET) await database.db.execute(sql.raw(statement));
    },
  };
}

export async function openTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
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
