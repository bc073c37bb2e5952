// P6's seeded mode: large calendars written straight into Radicale's storage.
// Radicale's PUT reads every resource of the collection (its UID check), so an
// upload of N costs N² and 10,000 events take hours; seeded, they take a
// minute. taskcal's database is seeded as if taskcal had written the events
// itself: its tasks, and links holding the resource ids and the ETags Radicale
// reports for them, so the next listing brings taskcal's own writes back.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseEtagListing } from "../adapters/caldav/etag-listing.js";
import { newCalendar, newEvent } from "../adapters/caldav/ical-mapping.js";
import { eventInResource } from "../adapters/caldav/recurrence.js";
import type { Db } from "../db/database.js";
import { bindingConfig } from "../db/queries/bindings.js";
import { tasksByIds } from "../db/queries/tasks.js";
import { links, tasks } from "../db/schema.js";
import { effectsOf } from "../engine/effects.js";
import type { ConflictPolicy, PlanContext } from "../engine/planner.js";
import { planPush } from "../engine/planner.js";
import { syncWindow } from "../engine/window.js";
import type { RadicaleServer } from "../testkit/radicale.js";
import { insertChunked, type TaskSeed, taskRows } from "./world.js";

/** Files written at once: enough to keep the disk busy, few enough for the descriptor limit. */
const WRITES_IN_FLIGHT = 32;

/** Writes `files` (name → text) into a collection's folder, as a PUT would have stored them. */
export async function writeResources(folder: string, files: [name: string, text: string][]): Promise<void> {
  let next = 0;
  const writer = async () => {
    while (next < files.length) {
      const [name, text] = files[next++];
      await writeFile(join(folder, name), text);
    }
  };
  await Promise.all(Array.from({ length: WRITES_IN_FLIGHT }, writer));
}

/**
 * Every resource of the collection at `path` with its ETag (resource id →
 * ETag), by one sync-collection REPORT from no token. Untimed: it is also
 * what makes Radicale parse the files written behind its back and build its
 * caches (items, sync history), as its PUTs would have.
 */
export async function listEtags(radicale: RadicaleServer, path: string): Promise<Map<string, string>> {
  const answer = await radicale.request("REPORT", path, {
    headers: { Depth: "1", "Content-Type": "application/xml; charset=utf-8" },
    body: '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
  });
  if (answer.status !== 207) throw new Error(`the ETag listing of ${path} answered ${answer.status}`);
  const etags = new Map<string, string>();
  for (const entry of parseEtagListing(await answer.text()).entries) {
    const name = decodeURIComponent(entry.href.split("/").filter(Boolean).pop() ?? "");
    if (entry.etag && name.endsWith(".ics")) etags.set(name.slice(0, -4), entry.etag);
  }
  return etags;
}

export interface OwnWrites {
  binding: { id: string; operatorId: string; eventTypeId: string };
  accountId: string;
  /** The binding's collection (its path, as binding_state holds it). */
  calendarId: string;
  seeds: TaskSeed[];
}

/**
 * N tasks and the events taskcal would have made of them, as after its
 * upload: the tasks inserted, each rendered and written by the engine's and
 * the adapter's own code (planPush, then the resource createEvent would PUT),
 * the files listed once for their ETags, and the links the create's commit
 * would have written (effectsOf). One transaction: the binding's actor, woken
 * by the new tasks, finds each one linked and has nothing to push.
 */
export async function seedOwnWrites(db: Db, radicale: RadicaleServer, own: OwnWrites): Promise<void> {
  const config = await bindingConfig(db, own.binding.id);
  if (!config) throw new Error("the binding to seed is gone");
  const render = { display: config.eventType.display, operatorName: config.operator.name, timeZone: config.settings.timeZone };
  const ctx: PlanContext = {
    operatorId: own.binding.operatorId,
    eventTypeId: own.binding.eventTypeId,
    render,
    policy: config.settings.conflictPolicy as ConflictPolicy,
    window: syncWindow(new Date(), config.settings.monthsBack, config.settings.timeZone),
    accountId: own.accountId,
    provider: "caldav",
    canMove: false,
    ownEventId: (taskId) => taskId,
  };
  await db.transaction(async (tx) => {
    const ids: string[] = [];
    await insertChunked(taskRows(own.seeds), async (chunk) => {
      ids.push(...(await tx.insert(tasks).values(chunk).returning({ id: tasks.id })).map((row) => row.id));
    });
    const records = await tasksByIds(tx, ids);
    const created = ids.map((id) => {
      const action = planPush({ task: records.get(id)!, link: null, elsewhere: null, destination: null }, ctx);
      if (action?.kind !== "create") throw new Error(`the engine would not create task ${id}'s event (${action?.kind ?? "nothing"})`);
      // The CalDAV adapter's createEvent: the event's id is the task's, its resource <id>.ics.
      const calendar = newCalendar();
      newEvent(calendar, id, action.data);
      return { action, calendar, ics: calendar.toString() };
    });
    await writeResources(
      radicale.folderOf(own.calendarId),
      created.map(({ action, ics }) => [`${action.task.id}.ics`, ics]),
    );
    const etags = await listEtags(radicale, own.calendarId);
    const rows = created.map(({ action, calendar, ics }) => {
      const etag = etags.get(action.task.id);
      if (!etag) throw new Error(`Radicale did not list the event of task ${action.task.id}`);
      const event = { ...eventInResource(calendar, action.task.id, etag)!, resource: ics };
      const link = effectsOf(action, { event }, own.calendarId, ctx).link;
      if (!link || "drop" in link || link.syncedVersion === "written") throw new Error("a create's commit writes its link");
      return { ...link, taskId: action.task.id, bindingId: own.binding.id, syncedVersion: link.syncedVersion };
    });
    await insertChunked(rows, (chunk) => tx.insert(links).values(chunk));
  });
}
