// Scale-out: three service processes (`node dist/main.js`, built first) share
// the bindings of one PostgreSQL database through leases. Time until every
// binding is owned and every actor idles, time until a replica's bindings are
// owned again after kill -9, Google calls per binding per minute while idle,
// and each replica's resident memory. The fake Google runs in this process.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { SecretBox } from "../db/secret-box.js";
import { startFakeGoogle } from "../testkit/fake-google/server.js";
import { freePort } from "../testkit/ports.js";
import { memoryOf } from "./proc-stats.js";
import type { Scenario } from "./scenario.js";
import { buildService } from "./service-process.js";
import { ADMIN_TOKEN, acquireDatabase, countKinds, progress, round, SECRET_KEY, seedBindings, sleep, waitUntil } from "./world.js";

interface ScaleOutParams {
  bindings: number;
  replicas: number;
  perAccount: number;
  pollIntervalSeconds: number;
  leaseTtlSeconds: number;
  idleSeconds: number;
}

interface Replica {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

function startReplica(name: string, env: Record<string, string>, port: number): Replica {
  const dataDir = mkdtempSync(join(tmpdir(), `taskcal-bench-${name}-`));
  const child = spawn(process.execPath, ["dist/main.js"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, PORT: String(port), REPLICA_NAME: name, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((done) => child.on("exit", () => done()));
  void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  return { name, child, exited };
}

export const scaleOut: Scenario<ScaleOutParams> = {
  id: "scale-out",
  title: "Scale-out: replicas sharing bindings",
  params: (quick) =>
    quick
      ? { bindings: 300, replicas: 3, perAccount: 10, pollIntervalSeconds: 30, leaseTtlSeconds: 6, idleSeconds: 30 }
      : { bindings: 10_000, replicas: 3, perAccount: 10, pollIntervalSeconds: 60, leaseTtlSeconds: 30, idleSeconds: 60 },
  runs: () => 1,
  metrics: [
    { key: "ownedSeconds", label: "start → every binding owned by a replica", unit: "s", digits: 1 },
    { key: "idleSeconds", label: "start → every actor idle", unit: "s", digits: 1 },
    { key: "balancedSeconds", label: "start → every replica at its fair share", unit: "s", digits: 1 },
    { key: "failoverSeconds", label: "kill -9 → its bindings owned again", unit: "s", digits: 1 },
    { key: "failoverTtls", label: "failover ÷ lease TTL", goal: { op: "<=", value: 2 }, digits: 2 },
    { key: "callsPerBindingPerMinute", label: "Google calls per binding per minute (idle, all replicas)", digits: 2 },
    { key: "rssMiB", label: "resident memory per replica (mean)", unit: "MiB", digits: 0 },
  ],
  async skipReason() {
    return process.env.DATABASE_URL ? null : "replicas need PostgreSQL: set DATABASE_URL";
  },
  async run(p) {
    buildService();
    const google = await startFakeGoogle({ quota: { limit: 10_000_000, windowMs: 60_000 } });
    const database = await acquireDatabase();
    const replicas: Replica[] = [];
    try {
      const accounts = Math.ceil(p.bindings / p.perAccount);
      const tokens = Array.from({ length: accounts }, (_, i) => google.addAccount(`out${i}@bench.example`));
      await seedBindings(database, new SecretBox(SECRET_KEY), {
        clientId: google.clientId,
        clientSecret: google.clientSecret,
        tokens,
        typesPerOperator: p.perAccount,
        pollIntervalSeconds: p.pollIntervalSeconds,
        googleRequestsPerMinute: 10_000,
      });
      const total = accounts * p.perAccount;
      const env = {
        DATABASE_URL: database.url!,
        GOOGLE_API_ROOT_URL: google.rootUrl,
        GOOGLE_OAUTH_TOKEN_URL: google.tokenUrl,
        ADMIN_TOKEN: `${ADMIN_TOKEN}-0123456789abcdef`,
        SECRET_KEY,
        LEASE_TTL_SECONDS: String(p.leaseTtlSeconds),
        LEASE_HEARTBEAT_SECONDS: String(Math.max(1, Math.floor(p.leaseTtlSeconds / 3))),
      };
      const counts = async () => {
        const rows = await database.db.execute<{ owned: number; idle: number }>(sql`
          select (select count(*)::int from binding_leases where owner is not null and expires_at > now()) as owned,
                 (select count(*)::int from binding_state where state = 'incremental') as idle`);
        const [row] = Array.isArray(rows) ? rows : (rows as unknown as { rows: { owned: number; idle: number }[] }).rows;
        return { owned: Number(row.owned), idle: Number(row.idle) };
      };

      const started = performance.now();
      for (let i = 0; i < p.replicas; i++) replicas.push(startReplica(`r${i + 1}`, env, await freePort()));
      let ownedAt = 0;
      await waitUntil(
        "every actor idle",
        async () => {
          const c = await counts();
          if (!ownedAt && c.owned >= total) ownedAt = performance.now();
          progress(`scale-out: ${c.owned}/${total} owned, ${c.idle} idle`);
          return c.owned >= total && c.idle >= total;
        },
        1_800_000,
        1000,
      );
      const idleAt = performance.now();
      // Shedding toward the fair share moves bindings for a while after start: the idle window waits for a balanced cluster.
      await waitUntil(
        "every replica at its fair share",
        async () => {
          const rows = await database.db.execute<{ n: number }>(
            sql`select count(*)::int as n from binding_leases where owner is not null and expires_at > now() group by owner`,
          );
          const held = (Array.isArray(rows) ? rows : (rows as unknown as { rows: { n: number }[] }).rows).map((r) => Number(r.n));
          // Each at most its share (ceil of bindings ÷ replicas): 10,000 on 3 settles at 3,334 + 3,334 + 3,332.
          return held.length === p.replicas && Math.max(...held) <= Math.ceil(total / p.replicas);
        },
        600_000,
        500,
      );
      const balancedAt = performance.now();

      // Idle: every replica polls its share; the fake counts what all of them ask.
      const callsBefore = google.callLog.length;
      const idleStart = performance.now();
      await sleep(p.idleSeconds * 1000);
      const idleCalls = google.callLog.slice(callsBefore);
      const callsPerBindingPerMinute = idleCalls.length / total / ((performance.now() - idleStart) / 60_000);
      const rss = replicas.map((r) => memoryOf(r.child.pid!)?.rssMiB ?? null).filter((v): v is number => v !== null);

      // kill -9 one replica; the others claim its leases once they expire.
      const victim = replicas[replicas.length - 1];
      const victimId = await database.db.execute<{ id: string }>(sql`select id from replicas where name = ${victim.name}`);
      const [{ id }] = Array.isArray(victimId) ? victimId : (victimId as unknown as { rows: { id: string }[] }).rows;
      victim.child.kill("SIGKILL");
      const killedAt = performance.now();
      await victim.exited;
      await waitUntil(
        "the killed replica's bindings owned again",
        async () => {
          const rows = await database.db.execute<{ n: number }>(
            sql`select count(*)::int as n from binding_leases where owner = ${id} or owner is null or expires_at <= now()`,
          );
          const [row] = Array.isArray(rows) ? rows : (rows as unknown as { rows: { n: number }[] }).rows;
          return Number(row.n) === 0;
        },
        600_000,
        100,
      );
      const failoverSeconds = (performance.now() - killedAt) / 1000;
      return {
        metrics: {
          ownedSeconds: round((ownedAt - started) / 1000, 1),
          idleSeconds: round((idleAt - started) / 1000, 1),
          balancedSeconds: round((balancedAt - started) / 1000, 1),
          failoverSeconds: round(failoverSeconds, 1),
          failoverTtls: round(failoverSeconds / p.leaseTtlSeconds, 2),
          callsPerBindingPerMinute: round(callsPerBindingPerMinute, 2),
          rssMiB: rss.length ? round(rss.reduce((a, b) => a + b, 0) / rss.length, 0) : null,
        },
        info: { bindings: total, rssMiB: rss, idleCallKinds: countKinds(idleCalls) },
      };
    } finally {
      for (const r of replicas) {
        if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGTERM");
        await Promise.race([r.exited, sleep(15_000)]);
      }
      await database.release();
      await google.close();
    }
  },
};
