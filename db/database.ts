// One schema, two backends: real PostgreSQL through postgres.js when a URL is
// given, embedded PGlite otherwise. Callers see one Drizzle type and one notifier.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { type QueryObserver, timePglite, timePostgres } from "./query-timing.js";
import * as schema from "./schema.js";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** LISTEN on either backend. The returned function stops listening. */
export interface Notifier {
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly db: Db;
  readonly notifier: Notifier;
  /**
   * The database as one replica's engine writes to it: on PostgreSQL its own
   * connections, each naming the replica (the `taskcal.replica` setting), so
   * the fencing trigger refuses its writes for bindings whose lease it no
   * longer holds (migration 0011). PGlite is one process: the same database.
   */
  forReplica(replicaId: string): Db;
  /** Cheap round trip, for health checks. */
  ping(): Promise<void>;
  /** PGlite only: the whole cluster as a tarball, to open copies quickly (tests). */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export interface OpenOptions {
  /** postgres:// URL; absent means embedded PGlite. */
  url?: string;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string;
  /** PGlite only: start from this dump (`dumpDataDir`) instead of an empty cluster; much faster than initdb. */
  template?: Blob;
  /** Told how long each statement took once migrations are applied (metrics). */
  onQuery?: QueryObserver;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.url ? openPostgres(options.url, options.onQuery) : openPglite(options.dataDir, options.template, options.onQuery);
}

/** Any 64-bit number all replicas agree on: the advisory lock that lets one of them migrate at a time. */
const MIGRATION_LOCK = 7_170_017;

async function openPostgres(url: string, onQuery?: QueryObserver): Promise<Database> {
  const client = postgres(url, { max: 10, onnotice: () => {} });
  const db = drizzlePostgres({ client, schema });
  await migrateOnce(client, () => migratePostgres(db, { migrationsFolder }));
  if (onQuery) timePostgres(client, onQuery);
  const engines: postgres.Sql[] = [];
  return {
    kind: "postgres",
    db: db as unknown as Db,
    forReplica(replicaId) {
      const engine = postgres(url, { max: 10, onnotice: () => {}, connection: { "taskcal.replica": replicaId } });
      if (onQuery) timePostgres(engine, onQuery);
      engines.push(engine);
      return drizzlePostgres({ client: engine, schema }) as unknown as Db;
    },
    notifier: {
      async listen(channel, onPayload) {
        const { unlisten } = await client.listen(channel, onPayload);
        return unlisten;
      },
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await Promise.all([client, ...engines].map((c) => c.end({ timeout: 5 })));
    },
  };
}

async function openPglite(dataDir?: string, template?: Blob, onQuery?: QueryObserver): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir, template ? { loadDataDir: template } : {});
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder });
  if (onQuery) timePglite(client, onQuery);
  return {
    kind: "pglite",
    db: db as unknown as Db,
    forReplica: () => db as unknown as Db,
    notifier: {
      async listen(channel, onPayload) {
        const stop = await client.listen(channel, onPayload);
        return () => stop();
      },
    },
    async ping() {
      await client.query("select 1");
    },
    dump: () => client.dumpDataDir("none"),
    async close() {
      await client.close();
    },
  };
}

/**
 * Runs the migrations holding a session advisory lock on a connection of its
 * own: replicas starting together (a rolling restart) migrate one at a time,
 * and those after the first find nothing left to do.
 */
async function migrateOnce(client: postgres.Sql, migrate: () => Promise<void>): Promise<void> {
  const lock = await client.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate();
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    lock.release();
  }
}
