// The data a benchmark's service process runs on: seeded by the bench before
// the service starts, then watched while it runs. On PostgreSQL the bench
// keeps a connection and reads the tables (cheap, no load on the service);
// PGlite admits one process, so the bench seeds its data directory, closes it,
// and learns what it needs from the service's own interfaces (/metrics, the API).
import { join } from "node:path";
import { inArray, sql } from "drizzle-orm";
import { type Db, openDatabase } from "../db/database.js";
import { operators } from "../db/schema.js";
import { SecretBox } from "../db/secret-box.js";
import { total } from "../testkit/prometheus-text.js";
import type { ServiceProcess } from "./service-process.js";
import { acquireDatabase, SECRET_KEY, type SeededBinding, type SeedSpec, seedBindings } from "./world.js";

export interface ServiceData {
  /** What points the service at the data: DATABASE_URL on PostgreSQL, nothing on PGlite (it lives under DATA_DIR). */
  env: Record<string, string>;
  seeded: SeededBinding[];
  /** Bindings whose actors are in `incremental`, and bindings with a push channel open. */
  counts(service: ServiceProcess): Promise<{ incremental: number; channels: number }>;
  /** How often counts() may be asked without loading the service it watches. */
  probeEveryMs: number;
  /** Turns synchronization on for these operators while the service runs. */
  enableOperators(service: ServiceProcess, operatorIds: string[]): Promise<void>;
  /** Drops the PostgreSQL database (PGlite's directory goes with the bench's temporary one). */
  release(): Promise<void>;
}

export interface ServiceDataSpec extends SeedSpec {
  /** The operators from this index on start with synchronization off (enableOperators turns it on). */
  enabledOperators: number;
  /** The service's DATA_DIR, where PGlite's data goes. */
  dataDir: string;
  /** The admin token the service is started with (the API is PGlite's only way in). */
  adminToken: string;
}

/** Operators whose index is `from` or later: synchronization off. */
async function disableFrom(db: Db, seeded: SeededBinding[], from: number): Promise<void> {
  const ids = [...new Set(seeded.filter((b) => b.operator >= from).map((b) => b.operatorId))];
  if (ids.length) await db.update(operators).set({ syncEnabled: false }).where(inArray(operators.id, ids));
}

export async function seedServiceData(spec: ServiceDataSpec): Promise<ServiceData> {
  const secrets = new SecretBox(SECRET_KEY);
  if (process.env.DATABASE_URL) {
    const database = await acquireDatabase();
    const seeded = await seedBindings(database, secrets, spec);
    await disableFrom(database.db, seeded, spec.enabledOperators);
    return {
      env: { DATABASE_URL: database.url! },
      seeded,
      probeEveryMs: 1_000,
      async counts() {
        const rows = await database.db.execute<{ incremental: number; channels: number }>(sql`
          select count(*) filter (where state = 'incremental')::int as incremental,
                 count(*) filter (where watch_channel_id is not null and watch_expires_at > now())::int as channels
            from binding_state`);
        const [row] = Array.isArray(rows) ? rows : (rows as unknown as { rows: { incremental: number; channels: number }[] }).rows;
        return { incremental: Number(row.incremental), channels: Number(row.channels) };
      },
      async enableOperators(_service, operatorIds) {
        // The operators table's trigger notifies the running service, as any configuration change does.
        await database.db.update(operators).set({ syncEnabled: true }).where(inArray(operators.id, operatorIds));
      },
      release: () => database.release(),
    };
  }

  const database = await openDatabase({ dataDir: join(spec.dataDir, "pglite") });
  const seeded = await seedBindings(database, secrets, spec);
  await disableFrom(database.db, seeded, spec.enabledOperators);
  await database.close();
  return {
    env: {},
    seeded,
    // A scrape reads every binding's gauges: not every second at 10,000 bindings.
    probeEveryMs: 2_000,
    async counts(service) {
      const metrics = await service.metrics();
      return { incremental: total(metrics, "taskcal_actors", { state: "incremental" }), channels: total(metrics, "taskcal_push_channels_open") };
    },
    async enableOperators(service, operatorIds) {
      // As an administrator would, a few at a time.
      const queue = [...operatorIds];
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const response = await fetch(`${service.url}/api/operators/${id}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${spec.adminToken}`, "content-type": "application/json" },
            body: JSON.stringify({ googleEnabled: true }),
          });
          if (!response.ok) throw new Error(`PATCH /api/operators/${id}: ${response.status} ${await response.text()}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    },
    async release() {},
  };
}
