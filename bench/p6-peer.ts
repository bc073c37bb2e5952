// P6 against a peer: the same N events uploaded to a real Radicale by taskcal
// (the engine through its CalDAV adapter: N tasks → one binding) and by
// vdirsyncer (Debian package) from a folder of .ics files, then a second sync
// with nothing changed by each. Wall time of each, and the ratio, in one run.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { count, eq } from "drizzle-orm";
import { bindings, eventTypes, links } from "../db/schema.js";
import { startRadicale } from "../testkit/radicale.js";
import { seedOperator } from "../testkit/seed.js";
import type { Scenario } from "./scenario.js";
import { acquireDatabase, insertTasks, progress, round, startWorld, waitUntil } from "./world.js";

interface P6Params {
  events: number;
}

function onPath(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

function timed(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr || result.stdout}`);
  return ms;
}

function ics(i: number, start: Date): string {
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//taskcal bench//EN",
    "BEGIN:VEVENT",
    `UID:bench-${i}@taskcal.example`,
    `DTSTAMP:${stamp(new Date())}`,
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(new Date(start.getTime() + 3_600_000))}`,
    `SUMMARY:Bench task ${i} - (${i + 1}/${start.getUTCFullYear()})`,
    "DESCRIPTION:Seeded by the benchmark",
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

export const p6Peer: Scenario<P6Params> = {
  id: "p6",
  title: "P6 against vdirsyncer (Radicale)",
  params: (quick) => ({ events: quick ? 30 : 500 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "taskcalFirstMs", label: "taskcal: upload N events", unit: "ms", digits: 0 },
    { key: "vdirsyncerFirstMs", label: "vdirsyncer: upload N events", unit: "ms", digits: 0 },
    { key: "firstRatio", label: "upload: vdirsyncer ÷ taskcal", digits: 2 },
    { key: "taskcalSecondMs", label: "taskcal: no-change sync", unit: "ms", digits: 0 },
    { key: "vdirsyncerSecondMs", label: "vdirsyncer: no-change sync", unit: "ms", digits: 0 },
    { key: "secondRatio", label: "no-change sync: vdirsyncer ÷ taskcal", digits: 2 },
    { key: "vdirsyncerStartMs", label: "vdirsyncer process start (--version)", unit: "ms", digits: 0 },
  ],
  async skipReason() {
    if (!onPath("vdirsyncer")) return "vdirsyncer is not installed (apt-get install vdirsyncer)";
    if (!onPath("radicale") && !process.env.RADICALE_BIN) return "radicale is not installed (apt-get install radicale)";
    return null;
  },
  async run(params) {
    const radicale = await startRadicale();
    const dir = await mkdtemp(join(tmpdir(), "taskcal-bench-vdir-"));
    try {
      // taskcal: the engine, one CalDAV binding, N tasks waiting to go up.
      const database = await acquireDatabase();
      const world = await startWorld({ database, caldav: true });
      let taskcalFirstMs: number;
      let taskcalSecondMs: number;
      try {
        const user = radicale.users[0];
        const { db } = database;
        const [type] = await db
          .insert(eventTypes)
          .values({ name: "Bench", syncEnabled: true, display: { fields: ["number"], features: [] } })
          .returning();
        const operator = await seedOperator(db, world.providers, world.secrets, {
          name: "CalDAV operator",
          provider: "caldav",
          account: { url: radicale.url, username: user.username, password: user.password },
        });
        const [binding] = await db
          .insert(bindings)
          .values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "bench-taskcal" })
          .returning();
        await insertTasks(
          database,
          Array.from({ length: params.events }, () => ({ operatorId: operator.id, eventTypeId: type.id })),
        );
        const linked = async () => (await db.select({ n: count() }).from(links).where(eq(links.bindingId, binding.id)))[0].n;
        let started = performance.now();
        await world.start();
        await waitUntil(
          "taskcal's upload",
          async () => (world.supervisor.actorStatus(binding.id)?.idle ?? false) && (await linked()) >= params.events,
          600_000,
          5,
        );
        taskcalFirstMs = performance.now() - started;
        started = performance.now();
        await world.supervisor.command(binding.id, "sync");
        await waitUntil("taskcal's second sync", () => world.supervisor.actorStatus(binding.id)?.idle ?? false, 600_000, 2);
        taskcalSecondMs = performance.now() - started;
      } finally {
        await world.close();
        await database.release();
      }

      // vdirsyncer: a folder of .ics files paired with a calendar of its own.
      const folder = join(dir, "ics");
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder, { recursive: true });
      const base = Date.now() + 86_400_000;
      for (let i = 0; i < params.events; i++) await writeFile(join(folder, `bench-${i}.ics`), ics(i, new Date(base + (i % 500) * 3_600_000)));
      const user = radicale.users[0];
      const made = await radicale.request("MKCALENDAR", `/${user.username}/bench-vdir/`);
      if (made.status >= 300) throw new Error(`MKCALENDAR answered ${made.status}`);
      const config = join(dir, "config");
      await writeFile(
        config,
        [
          "[general]",
          `status_path = "${join(dir, "status")}/"`,
          "[pair bench]",
          'a = "bench_local"',
          'b = "bench_remote"',
          "collections = null",
          "[storage bench_local]",
          'type = "filesystem"',
          `path = "${folder}/"`,
          'fileext = ".ics"',
          "[storage bench_remote]",
          'type = "caldav"',
          `url = "${radicale.url}${user.username}/bench-vdir/"`,
          `username = "${user.username}"`,
          `password = "${user.password}"`,
          "",
        ].join("\n"),
      );
      const vdirsyncerStartMs = timed("vdirsyncer", ["--version"]);
      timed("vdirsyncer", ["-c", config, "discover"]);
      const vdirsyncerFirstMs = timed("vdirsyncer", ["-c", config, "sync"]);
      const vdirsyncerSecondMs = timed("vdirsyncer", ["-c", config, "sync"]);
      const uploaded = await radicale.request("PROPFIND", `/${user.username}/bench-vdir/`, { headers: { Depth: "1" } });
      const hrefs = ((await uploaded.text()).match(/<(?:\w+:)?href>/g) ?? []).length - 1;
      if (hrefs < params.events) throw new Error(`vdirsyncer uploaded ${hrefs} of ${params.events} events`);
      progress(
        `p6: taskcal ${taskcalFirstMs.toFixed(0)} / ${taskcalSecondMs.toFixed(0)} ms, vdirsyncer ${vdirsyncerFirstMs.toFixed(0)} / ${vdirsyncerSecondMs.toFixed(0)} ms`,
      );
      return {
        metrics: {
          taskcalFirstMs: round(taskcalFirstMs, 0),
          vdirsyncerFirstMs: round(vdirsyncerFirstMs, 0),
          firstRatio: round(vdirsyncerFirstMs / taskcalFirstMs, 2),
          taskcalSecondMs: round(taskcalSecondMs, 0),
          vdirsyncerSecondMs: round(vdirsyncerSecondMs, 0),
          secondRatio: round(vdirsyncerSecondMs / taskcalSecondMs, 2),
          vdirsyncerStartMs: round(vdirsyncerStartMs, 0),
        },
        info: { events: params.events, vdirsyncer: spawnSync("vdirsyncer", ["--version"], { encoding: "utf8" }).stdout.trim() },
      };
    } finally {
      await radicale.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
