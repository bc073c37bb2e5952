// What must hold once the engine has settled after any sequence of
// operations: both sides converge, nothing is duplicated, nothing one side
// changed alone is lost, hidden fields never flow back, what people added in
// the calendar survives, and a further round of passes writes nothing.
import { count, eq, isNull } from "drizzle-orm";
import { settings, syncFailures, tasks } from "../../db/schema.js";
import { syncWindow, taskInWindow } from "../../engine/window.js";
import type { OwnedEvent } from "./calendar-side.js";
import type { Model } from "./operations.js";
import type { ModelWorld } from "./world.js";

export class InvariantBroken extends Error {}

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new InvariantBroken(message());
}

export async function checkInvariants(world: ModelWorld, model: Model): Promise<void> {
  await model.resolveImports();
  const { db } = world;
  const [config] = await db.select().from(settings).where(eq(settings.id, 1));
  const window = syncWindow(new Date(), config.monthsBack, config.timeZone);
  const all = await db.select().from(tasks);
  const events = world.bindings.map((_, b) => {
    const calendarId = world.calendarOf(b);
    return calendarId ? world.side.events(calendarId) : [];
  });

  // No duplicates: one event per task, in one calendar, and every event is a task's.
  const placed = new Map<string, { binding: number; event: OwnedEvent }[]>();
  events.forEach((list, b) => {
    for (const event of list) {
      check(!!event.taskId, () => `calendar ${world.bindings[b].name} holds an event that is no task's: ${JSON.stringify(event)}`);
      placed.set(event.taskId!, [...(placed.get(event.taskId!) ?? []), { binding: b, event }]);
    }
  });

  for (const task of all) {
    const where = placed.get(task.id) ?? [];
    const binding = world.bindings.findIndex((b) => b.operatorId === task.operatorId);
    const shouldShow = !task.deleted && taskInWindow(task, window);
    const what = () =>
      `task ${task.number} "${task.subject}" (deleted: ${task.deleted}) is in ${JSON.stringify(where.map((w) => world.bindings[w.binding].name))}`;
    // Convergence: a live task of the window has exactly one event, in its own calendar, showing it.
    check(where.length === (shouldShow ? 1 : 0), what);
    if (shouldShow) {
      const [{ binding: at, event }] = where;
      check(at === binding, what);
      check(event.summary === `${task.subject} - (${task.number})`, () => `${what()} but its event reads "${event.summary}"`);
      check(
        Date.parse(event.start) === task.startAt?.getTime() && Date.parse(event.end) === task.endAt?.getTime(),
        () => `${what()} at other times than its event`,
      );
    }

    const expected = model.expected.get(task.id);
    if (!expected) continue;
    // Nothing lost: what one side alone did stands.
    if (expected.deletedBy.length > 0 && expected.touchedBy.size === 1) check(task.deleted, () => `${what()}: its deletion was lost`);
    if (expected.deletedBy.length === 0) check(!task.deleted, () => `${what()}: deleted, though nobody deleted it`);
    const sides = new Set(expected.subjectEdits.map((e) => e.side));
    if (!task.deleted && sides.size === 1) {
      const last = expected.subjectEdits.at(-1)!.value;
      check(task.subject === last, () => `${what()}: the subject should be "${last}" (${[...sides][0]} changed it alone)`);
    }
    // R19: the location is not displayed, so only the CRM sets it.
    check(task.location === expected.location, () => `${what()}: location "${task.location}", the CRM set "${expected.location}"`);
    // R18: a guest added in the calendar is still there.
    if (expected.guest && shouldShow && !expected.foreignMayGo) {
      check(where[0].event.guests.includes(expected.guest), () => `${what()}: the guest ${expected.guest} added in the calendar is gone`);
    }
  }

  const [{ open }] = await db.select({ open: count() }).from(syncFailures).where(isNull(syncFailures.resolvedAt));
  check(open === 0, () => `${open} item failure(s) left, though no fault was permanent`);

  // No echoes: once settled, another round of passes writes nothing.
  const writes = world.side.writes();
  const before = await world.fingerprint();
  for (const b of world.bindings.keys()) await world.pass(b, "changes");
  check(world.side.writes() === writes, () => `${world.side.writes() - writes} write(s) in a round after settling: echoes`);
  check((await world.fingerprint()) === before, () => "the database changed in a round after settling");
}
