// Three real service processes on one PostgreSQL database and one fake
// Google: what the replica tests share. Leases are short (3 s, a beat a
// second) so that failovers take seconds.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { parseExposition } from "../../testkit/prometheus-text.js";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

export const LEASE_TTL_SECONDS = 3;
export const ADMIN_TOKEN = "replica-test-admin-token-0123456789";

export interface Cluster {
  google: FakeGoogle;
  database: TestDatabase;
  /** By replica name (r1, r2, r3); a replica started again replaces its entry. */
  replicas: Map<string, TaskcalProcess>;
  start(name: string): Promise<TaskcalProcess>;
  /** Any live replica, for API calls (every replica answers the whole API). */
  any(): TaskcalProcess;
  /** The binding ids whose actors each replica runs now, from its own /metrics. */
  running(): Promise<Map<string, Set<string>>>;
  close(): Promise<void>;
}

export async function startCluster(
  names: string[],
  options: { quotaPerMinute?: number; env?: (name: string) => Record<string, string> } = {},
): Promise<Cluster> {
  // Without a quota to test, one far above what 300 bindings ask for.
  const google = await startFakeGoogle({ quota: { limit: options.quotaPerMinute ?? 1_000_000, windowMs: 60_000 } });
  const database = await openTestDatabase();
  const dirs: string[] = [];
  const replicas = new Map<string, TaskcalProcess>();
  const env = (name: string) => ({
    DATABASE_URL: database.url!,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
    ADMIN_TOKEN,
    SECRET_KEY: "replica-test-secret-key-0123456789",
    REPLICA_NAME: name,
    LEASE_TTL_SECONDS: String(LEASE_TTL_SECONDS),
    LEASE_HEARTBEAT_SECONDS: "1",
    LOG_LEVEL: "info",
    ...options.env?.(name),
  });
  const cluster: Cluster = {
    google,
    database,
    replicas,
    async start(name) {
      const dir = mkdtempSync(join(tmpdir(), `taskcal-${name}-`));
      dirs.push(dir);
      const process = await startTaskcal(dir, env(name));
      replicas.set(name, process);
      return process;
    },
    any() {
      const live = [...replicas.values()].find((p) => p.child.exitCode === null && p.child.signalCode === null && !stopped.has(p));
      if (!live) throw new Error("no replica runs");
      return live;
    },
    async running() {
      const result = new Map<string, Set<string>>();
      for (const [name, process] of replicas) {
        if (process.child.exitCode !== null || process.child.signalCode !== null || stopped.has(process)) continue;
        const text = await (await fetch(`${process.base}/metrics`)).text();
        const ids = parseExposition(text)
          .samples.filter((s) => s.name === "taskcal_binding_push_lag_seconds")
          .map((s) => s.labels.binding);
        result.set(name, new Set(ids));
      }
      return result;
    },
    async close() {
      if (process.env.TASKCAL_REPLICA_LOGS) {
        for (const [name, p] of replicas) writeFileSync(join(process.env.TASKCAL_REPLICA_LOGS, `${name}.log`), p.output.join(""));
      }
      for (const process of replicas.values()) {
        process.child.kill("SIGCONT");
        if (process.child.exitCode === null && process.child.signalCode === null) await process.crash();
      }
      await database.close();
      await google.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const name of names) await cluster.start(name);
  return cluster;
}

/** Replicas frozen with SIGSTOP (until SIGCONT) or shutting down: not to be asked anything. */
export const stopped = new WeakSet<TaskcalProcess>();

/** Company settings on the fake Google, and `count` operators each with a binding to a calendar of their own, on one account. */
export async function seedBindings(cluster: Cluster, count: number, pollIntervalSeconds: number, requestsPerMinute = 10_000) {
  const { google } = cluster;
  const api = cluster.any().api;
  const refreshToken = google.addAccount("company@example.com");
  await api("PATCH", "/api/settings", {
    googleClientId: google.clientId,
    googleClientSecret: google.clientSecret,
    defaultRefreshToken: refreshToken,
    pollIntervalSeconds,
    googleRequestsPerMinute: requestsPerMinute,
  });
  const type = (await api("POST", "/api/event-types", { name: "Meeting", googleSync: true, display: { fields: ["number"], features: [] } })).body;
  const bindings: { bindingId: string; operatorId: string; calendarName: string }[] = [];
  const make = async (i: number) => {
    const name = `Operator ${String(i).padStart(3, "0")}`;
    const operator = (await api("POST", "/api/operators", { name, googleEnabled: true, useConfigToken: true })).body;
    const [binding] = (await api("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: name }])).body;
    bindings.push({ bindingId: binding.bindingId, operatorId: operator.id, calendarName: name });
  };
  for (let i = 0; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => make(i + k)));
  return { typeId: type.id as string, bindings };
}

export function calendarIdOf(google: FakeGoogle, calendarName: string): string | undefined {
  return google.user.calendars("company@example.com").find((c) => c.summary === calendarName)?.id;
}
