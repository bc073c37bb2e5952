// P6 against a peer, one run, three figures defined apart: (a) the upload of
// N events, (b) the first sync after it (each client's own writes come back),
// (c) a sync with nothing changed. taskcal runs the engine through its CalDAV
// adapter (N tasks → one binding); vdirsyncer (Debian package) syncs a folder
// of N .ics files, its process start (`vdirsyncer --version`) taken off each
// of its times. Beside both, Radicale's bare floor: raw PUTs for (a), one
// ETag listing of the N resources for (b), one empty sync REPORT for (c).
// Each client gets a collection of its own on the same Radicale. taskcal's
// REPORTs are also sent bare after its syncs, on its own collection: Radicale's
// part of its (b) and (c), the rest being taskcal's.
//
// Seeded (`--set p6.seeded=1`), for sizes whose upload Radicale would take
// hours over (its PUT costs time in proportion to the collection, so an upload
// grows with N²): the events are written straight into Radicale's storage
// (bench/p6-seed.ts), (a) is not measured, and each client starts where its
// upload would have left it: taskcal with the tasks, links and sync token of
// its own upload, vdirsyncer with the status of a first sync. (b) and (c) are
// then measured as unseeded.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, count, eq, isNull } from "drizzle-orm";
import { bindingStateOf } from "../db/queries/binding-state.js";
import { bindings, eventTypes, links, settings, syncFailures } from "../db/schema.js";
import { type RadicaleServer, startRadicale } from "../testkit/radicale.js";
import { seedOperator } from "../testkit/seed.js";
import { listEtags, seedOwnWrites, writeResources } from "./p6-seed.js";
import type { Scenario } from "./scenario.js";
import { acquireDatabase, insertTasks, progress, round, startWorld, waitUntil } from "./world.js";

interface P6Params {
  events: number;
  /** 1: seed Radicale's storage and each client's state instead of uploading (no (a)); 0: upload. */
  seeded: number;
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

/** PUTs in flight for the floor: as many as a taskcal pass keeps (engine/pass.ts). */
const FLOOR_PUTS_IN_FLIGHT = 4;

const SYNC_COLLECTION = (token: string) =>
  `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;

/** One sync-collection REPORT as the client would send it: its time and the token it gave. */
async function syncReport(radicale: RadicaleServer, path: string, token: string): Promise<{ ms: number; token: string; listed: number }> {
  const started = performance.now();
  const answer = await radicale.request("REPORT", path, {
    headers: { Depth: "1", "Content-Type": "application/xml; charset=utf-8" },
    body: SYNC_COLLECTION(token),
  });
  const text = await answer.text();
  const ms = performance.now() - started;
  if (answer.status !== 207) throw new Error(`sync-collection answered ${answer.status}`);
  const next = /<(?:\w+:)?sync-token>([^<]+)</.exec(text)?.[1];
  if (!next) throw new Error("sync-collection gave no token");
  return { ms, token: next, listed: (text.match(/<(?:\w+:)?response>/g) ?? []).length };
}

/** The N events vdirsyncer and the floor store: file name and text. */
function benchFiles(events: number, prefix: string): [name: string, text: string][] {
  const base = Date.now() + 86_400_000;
  return Array.from({ length: events }, (_, i) => [`${prefix}-${i}.ics`, ics(i, new Date(base + (i % 500) * 3_600_000))]);
}

/**
 * Radicale alone: N raw PUTs into an empty collection of its own (as many in
 * flight as taskcal keeps), one ETag listing of them since the empty
 * collection's token, then one sync REPORT with nothing to list. Seeded, the
 * N are written into its storage instead (no upload figure) and listed once,
 * untimed, so Radicale has read them as it would have on their PUTs.
 */
async function radicaleFloor(radicale: RadicaleServer, events: number, seeded: boolean) {
  const user = radicale.users[0];
  const path = `/${user.username}/bench-floor/`;
  const made = await radicale.request("MKCALENDAR", path);
  if (made.status >= 300) throw new Error(`MKCALENDAR answered ${made.status}`);
  const empty = await syncReport(radicale, path, "");
  const files = benchFiles(events, "floor");
  let uploadMs: number | null = null;
  if (seeded) {
    await writeResources(radicale.folderOf(path), files);
    await listEtags(radicale, path);
  } else {
    let next = 0;
    const started = performance.now();
    const put = async () => {
      while (next < files.length) {
        const [name, body] = files[next++];
        const answer = await radicale.request("PUT", `${path}${name}`, {
          headers: { "Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*" },
          body,
        });
        await answer.body?.cancel();
        if (answer.status >= 300) throw new Error(`PUT answered ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: FLOOR_PUTS_IN_FLIGHT }, put));
    uploadMs = performance.now() - started;
  }
  const listing = await syncReport(radicale, path, empty.token);
  if (listing.listed < events) throw new Error(`the floor's listing named ${listing.listed} of ${events} resources`);
  const quiet = await syncReport(radicale, path, listing.token);
  return { uploadMs, listingMs: listing.ms, emptyReportMs: quiet.ms };
}

/** With BENCH_P6_CPU_PROFILE=<dir>, taskcal's process is profiled during each timed sync (<dir>/p6-<events>-<name>.cpuprofile). */
async function profiled<T>(name: string, events: number, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_P6_CPU_PROFILE;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `p6-${events}-${name}.cpuprofile`), JSON.stringify(profile));
  }
}

/**
 * taskcal: the engine, one CalDAV binding, N tasks to go up; then two syncs
 * asked for by command. Polls are put off for the run, so those two are the
 * only passes measured (at 60 s, one started on its own right after a long
 * upload). Seeded, the binding first syncs its empty calendar (the token its
 * upload pass would have listed from), then the tasks, links and files are
 * seeded (bench/p6-seed.ts) in place of the upload.
 */
async function taskcalRun(radicale: RadicaleServer, events: number, seeded: boolean) {
  const database = await acquireDatabase();
  const world = await startWorld({ database, caldav: true });
  try {
    const user = radicale.users[0];
    const { db } = database;
    // The same events as vdirsyncer's files (times in UTC): in another zone every resource carries its VTIMEZONE,
    // about three times the bytes, and Radicale reads every resource of the collection on each new one.
    const runSettings = { timeZone: "UTC", pollIntervalSeconds: 86_400 };
    const updated = await db.update(settings).set(runSettings).returning();
    if (updated.length === 0) await db.insert(settings).values(runSettings);
    const [type] = await db
      .insert(eventTypes)
      .values({ name: "Bench", syncEnabled: true, display: { fields: ["number"], features: [] } })
      .returning();
    const operator = await seedOperator(db, world.providers, world.secrets, {
      name: "CalDAV operator",
      provider: "caldav",
      account: { url: radicale.url, username: user.username, password: user.password },
    });
    const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "bench-taskcal" }).returning();
    const seeds = Array.from({ length: events }, () => ({ operatorId: operator.id, eventTypeId: type.id }));
    const linked = async () => (await db.select({ n: count() }).from(links).where(eq(links.bindingId, binding.id)))[0].n;
    const idle = () => world.supervisor.actorStatus(binding.id)?.idle ?? false;
    const state = () => bindingStateOf(db, binding.id);
    let uploadMs: number | null = null;
    if (seeded) {
      await world.start();
      await waitUntil("taskcal's pass over its empty calendar", async () => idle() && (await state()).syncToken !== null, 60_000, 5);
      const { accountId, calendarId } = await state();
      await seedOwnWrites(db, radicale, { binding, accountId: accountId!, calendarId: calendarId!, seeds });
      // The new tasks wake the actor; its push pass finds each linked and settles the mark they set.
      await waitUntil("taskcal's pass over the seeded tasks", async () => idle() && (await state()).pushPendingSince === null, 600_000, 5);
      if ((await linked()) !== events) throw new Error(`taskcal holds ${await linked()} links for ${events} seeded events`);
    } else {
      await insertTasks(database, seeds);
      const started = performance.now();
      await world.start();
      await waitUntil("taskcal's upload", async () => idle() && (await linked()) >= events, 3_600_000, 5);
      uploadMs = performance.now() - started;
    }
    const sync = (name: string) =>
      profiled(name, events, async () => {
        const started = performance.now();
        await world.supervisor.command(binding.id, "sync");
        await waitUntil("taskcal's sync", idle, 600_000, 1);
        return performance.now() - started;
      });
    const before = await state();
    // A PUT whose answer never came (a transient fault while Radicale is loaded) leaves its link without an ETag and
    // its task's failure recorded: the first sync finds the event and takes it as the task's, a fetch the others skip.
    const unanswered = (
      await db
        .select({ n: count() })
        .from(links)
        .where(and(eq(links.bindingId, binding.id), isNull(links.etag)))
    )[0].n;
    const failures = await db
      .select({ code: syncFailures.code, message: syncFailures.message })
      .from(syncFailures)
      .where(eq(syncFailures.bindingId, binding.id));
    const since = before.syncToken;
    const firstSyncMs = await sync("first-sync");
    const noChangeMs = await sync("no-change");
    const fetchedAgain = (await state()).pulled - before.pulled;
    // Radicale's part of each: the same REPORT sent bare, on taskcal's collection, right after (Radicale keeps the
    // state behind every token, so the listing since the upload's token can be asked for again).
    const { calendarId, syncToken } = await state();
    const token = (value: string | null) => value?.replace(/^sync:/, "") ?? "";
    const radicaleListingMs = (await syncReport(radicale, calendarId!, token(since))).ms;
    const radicaleEmptyMs = (await syncReport(radicale, calendarId!, token(syncToken))).ms;
    return { uploadMs, firstSyncMs, noChangeMs, radicaleListingMs, radicaleEmptyMs, fetchedAgain, unanswered, failures };
  } finally {
    await world.close();
    await database.release();
  }
}

/**
 * vdirsyncer: a folder of .ics files paired with a calendar of its own; each
 * time less its process start. Unseeded, its (b) is the sync after the one that
 * uploaded (it lists the collection's ETags and finds its own writes in its
 * status), (c) the one after. Seeded, the files are in the calendar and its
 * folder starts empty: a first sync, untimed, downloads them and records its
 * status, and the two syncs after it are (b) and (c), the same listing.
 */
async function vdirsyncerRun(radicale: RadicaleServer, events: number, dir: string, seeded: boolean) {
  const folder = join(dir, "ics");
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const files = benchFiles(events, "bench");
  const user = radicale.users[0];
  const path = `/${user.username}/bench-vdir/`;
  const made = await radicale.request("MKCALENDAR", path);
  if (made.status >= 300) throw new Error(`MKCALENDAR answered ${made.status}`);
  if (seeded) {
    await writeResources(radicale.folderOf(path), files);
    await listEtags(radicale, path);
  } else await writeResources(folder, files);
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
  const startMs = timed("vdirsyncer", ["--version"]);
  timed("vdirsyncer", ["-c", config, "discover"]);
  const sync = () => Math.max(0, timed("vdirsyncer", ["-c", config, "sync"]) - startMs);
  // Seeded, the first sync is the download that gives vdirsyncer its status: not an upload, not timed.
  const first = sync();
  const uploadMs = seeded ? null : first;
  const firstSyncMs = sync();
  const noChangeMs = sync();
  // vdirsyncer's own listing (vdirsyncer/storage/dav.py), sent bare: Radicale's part of each of its syncs.
  const started = performance.now();
  const listed = await radicale.request("PROPFIND", path, {
    headers: { Depth: "1", "Content-Type": "application/xml; charset=utf-8" },
    body: '<?xml version="1.0" encoding="utf-8" ?><propfind xmlns="DAV:"><prop><resourcetype/><getcontenttype/><getetag/></prop></propfind>',
  });
  const hrefs = ((await listed.text()).match(/<(?:\w+:)?href>/g) ?? []).length - 1;
  const listingMs = performance.now() - started;
  if (hrefs < events) throw new Error(`vdirsyncer's calendar holds ${hrefs} of ${events} events`);
  if (seeded && (await readdir(folder)).length < events)
    throw new Error(`vdirsyncer downloaded ${(await readdir(folder)).length} of ${events} events`);
  return { startMs, uploadMs, firstSyncMs, noChangeMs, listingMs };
}

export const p6Peer: Scenario<P6Params> = {
  id: "p6",
  title: "P6 against vdirsyncer (Radicale)",
  params: (quick) => ({ events: quick ? 30 : 500, seeded: 0 }),
  runs: (quick) => (quick ? 1 : 3),
  metrics: [
    { key: "taskcalUploadMs", label: "(a) upload of N events: taskcal (n/a when seeded)", unit: "ms", digits: 0 },
    { key: "vdirsyncerUploadMs", label: "(a) upload: vdirsyncer less its start", unit: "ms", digits: 0 },
    { key: "floorUploadMs", label: `(a) upload: Radicale floor (raw PUTs, ${FLOOR_PUTS_IN_FLIGHT} in flight)`, unit: "ms", digits: 0 },
    { key: "uploadRatio", label: "(a) upload: vdirsyncer ÷ taskcal", digits: 2, goal: { op: ">=", value: 1 } },
    { key: "uploadOverFloor", label: "(a) upload: taskcal ÷ floor", digits: 2 },
    { key: "taskcalFirstSyncMs", label: "(b) first sync after the upload: taskcal", unit: "ms", digits: 0 },
    { key: "vdirsyncerFirstSyncMs", label: "(b) first sync: vdirsyncer less its start", unit: "ms", digits: 0 },
    { key: "floorListingMs", label: "(b) first sync: Radicale floor (one ETag listing of N)", unit: "ms", digits: 0 },
    { key: "firstSyncRatio", label: "(b) first sync: vdirsyncer ÷ taskcal", digits: 2, goal: { op: ">=", value: 10 } },
    { key: "taskcalOwnListingMs", label: "(b) Radicale's answer to taskcal's listing, sent bare after it", unit: "ms", digits: 0 },
    { key: "taskcalFetchedAgain", label: "(b) taskcal's own events pulled again (their PUT answer lost)", digits: 0 },
    { key: "taskcalNoChangeMs", label: "(c) no-change sync: taskcal", unit: "ms", digits: 0 },
    { key: "vdirsyncerNoChangeMs", label: "(c) no-change sync: vdirsyncer less its start", unit: "ms", digits: 0 },
    { key: "floorEmptyReportMs", label: "(c) no-change sync: Radicale floor (one empty REPORT)", unit: "ms", digits: 0 },
    { key: "noChangeOverFloor", label: "(c) no-change sync: taskcal ÷ floor", digits: 2, goal: { op: "<=", value: 1.5 } },
    { key: "taskcalOwnEmptyMs", label: "(c) Radicale's answer to taskcal's REPORT, sent bare after it", unit: "ms", digits: 0 },
    { key: "vdirsyncerListingMs", label: "vdirsyncer's listing (PROPFIND of N), sent bare after its syncs", unit: "ms", digits: 0 },
    { key: "vdirsyncerStartMs", label: "vdirsyncer process start (--version)", unit: "ms", digits: 0 },
  ],
  async skipReason() {
    if (!onPath("vdirsyncer")) return "vdirsyncer is not installed (apt-get install vdirsyncer)";
    if (!onPath("radicale") && !process.env.RADICALE_BIN) return "radicale is not installed (apt-get install radicale)";
    return null;
  },
  async run(params) {
    const seeded = params.seeded === 1;
    const radicale = await startRadicale();
    const dir = await mkdtemp(join(tmpdir(), "taskcal-bench-vdir-"));
    try {
      const taskcal = await taskcalRun(radicale, params.events, seeded);
      const vdirsyncer = await vdirsyncerRun(radicale, params.events, dir, seeded);
      const floor = await radicaleFloor(radicale, params.events, seeded);
      const ms = (value: number | null) => (value === null ? "n/a" : value.toFixed(0));
      progress(
        `p6${seeded ? " seeded, (a) not measured" : ""}: (a) taskcal ${ms(taskcal.uploadMs)}, vdirsyncer ${ms(vdirsyncer.uploadMs)}, floor ${ms(floor.uploadMs)} ms; ` +
          `(b) ${ms(taskcal.firstSyncMs)} (Radicale's part ${ms(taskcal.radicaleListingMs)}${taskcal.fetchedAgain ? `, ${taskcal.fetchedAgain} own events pulled again` : ""}), ${ms(vdirsyncer.firstSyncMs)}, ${ms(floor.listingMs)} ms; ` +
          `(c) ${ms(taskcal.noChangeMs)} (Radicale's part ${ms(taskcal.radicaleEmptyMs)}), ${ms(vdirsyncer.noChangeMs)}, ${ms(floor.emptyReportMs)} ms`,
      );
      const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a / b, 2));
      return {
        metrics: {
          taskcalUploadMs: round(taskcal.uploadMs, 0),
          vdirsyncerUploadMs: round(vdirsyncer.uploadMs, 0),
          floorUploadMs: round(floor.uploadMs, 0),
          uploadRatio: ratio(vdirsyncer.uploadMs, taskcal.uploadMs),
          uploadOverFloor: ratio(taskcal.uploadMs, floor.uploadMs),
          taskcalFirstSyncMs: round(taskcal.firstSyncMs, 0),
          vdirsyncerFirstSyncMs: round(vdirsyncer.firstSyncMs, 0),
          floorListingMs: round(floor.listingMs, 0),
          taskcalOwnListingMs: round(taskcal.radicaleListingMs, 0),
          taskcalFetchedAgain: taskcal.fetchedAgain,
          firstSyncRatio: ratio(vdirsyncer.firstSyncMs, taskcal.firstSyncMs),
          taskcalNoChangeMs: round(taskcal.noChangeMs, 0),
          vdirsyncerNoChangeMs: round(vdirsyncer.noChangeMs, 0),
          floorEmptyReportMs: round(floor.emptyReportMs, 0),
          noChangeOverFloor: ratio(taskcal.noChangeMs, floor.emptyReportMs),
          taskcalOwnEmptyMs: round(taskcal.radicaleEmptyMs, 0),
          vdirsyncerListingMs: round(vdirsyncer.listingMs, 0),
          vdirsyncerStartMs: round(vdirsyncer.startMs, 0),
        },
        info: {
          events: params.events,
          seeded,
          uploadFaults: { linksWithoutEtag: taskcal.unanswered, failures: taskcal.failures.slice(0, 5), failureCount: taskcal.failures.length },
          ...(seeded ? { note: "seeded: events written into Radicale's storage, (a) not measured" } : {}),
          vdirsyncer: spawnSync("vdirsyncer", ["--version"], { encoding: "utf8" }).stdout.trim(),
        },
      };
    } finally {
      await radicale.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
