// Random things people and faults do, as data (fast-check arbitraries), and
// how the model carries each out while remembering what must survive.
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { links, tasks } from "../../db/schema.js";
import { ACCOUNT_OF, type ModelWorld } from "./world.js";

const binding = fc.constantFrom(0, 1, 2);

export type Operation =
  | { kind: "crmCreate"; binding: number; inWindow: boolean; hour: number }
  | { kind: "crmEdit"; task: number; field: "subject" | "location" | "time"; hour: number }
  | { kind: "crmMove"; task: number; to: number }
  | { kind: "crmDelete"; task: number }
  | { kind: "calCreate"; binding: number; hour: number }
  | { kind: "calEdit"; event: number; field: "summary" | "location" | "guest" | "time"; hour: number }
  | { kind: "calDelete"; event: number }
  /** Both sides change one task before any pass: a CRM edit and a change in the calendar of the same event. */
  | {
      kind: "bothSides";
      task: number;
      crm: "subject" | "location" | "time";
      calendar: "summary" | "location" | "guest" | "time" | "delete";
      hour: number;
    }
  | { kind: "expireTokens" }
  | { kind: "fault" }
  | { kind: "crash" }
  | { kind: "pass"; binding: number; mode: "changes" | "push" };

const hour = fc.integer({ min: 1, max: 24 * 60 });

export const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("crmCreate" as const), binding, inWindow: fc.integer({ min: 0, max: 5 }).map((n) => n > 0), hour }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("crmEdit" as const),
      task: fc.nat(),
      field: fc.constantFrom("subject" as const, "location" as const, "time" as const),
      hour,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crmMove" as const), task: fc.nat(), to: binding }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crmDelete" as const), task: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("calCreate" as const), binding, hour }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("calEdit" as const),
      event: fc.nat(),
      field: fc.constantFrom("summary" as const, "location" as const, "guest" as const, "time" as const),
      hour,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("calDelete" as const), event: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("bothSides" as const),
      task: fc.nat(),
      crm: fc.constantFrom("subject" as const, "location" as const, "time" as const),
      calendar: fc.constantFrom("summary" as const, "location" as const, "guest" as const, "time" as const, "delete" as const),
      hour,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expireTokens" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fault" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("pass" as const), binding, mode: fc.constantFrom("changes" as const, "push" as const) }) },
);

/** What the model expects of one task after everything settles. */
export interface Expectation {
  /** Who changed the subject, in order: one side only means its last value must win. */
  subjectEdits: { side: "crm" | "calendar"; value: string }[];
  /** Location is not displayed: only the CRM sets it (R19). */
  location: string;
  deletedBy: ("crm" | "calendar")[];
  /** Any change by either side (for deletions against edits). */
  touchedBy: Set<"crm" | "calendar">;
  guest?: string;
  /** What people added in the calendar may legitimately stay behind (a move across accounts, an event made anew). */
  foreignMayGo: boolean;
}

const fresh = (): Expectation => ({ subjectEdits: [], location: "", deletedBy: [], touchedBy: new Set(), foreignMayGo: false });

const at = (hours: number) => new Date(Date.now() + hours * 3_600_000);
const OUTSIDE = -200 * 24;

/** Carries out operations and keeps the expectations. */
export class Model {
  readonly expected = new Map<string, Expectation>();
  /** Calendar-made events not known as tasks yet, by `<binding>:<event id>`. */
  readonly unimported = new Map<string, Expectation>();
  private serial = 0;

  constructor(private readonly world: ModelWorld) {}

  /** Live tasks by number: CRM and calendar operations pick from the same order, so they often meet on one task. */
  private async liveTasks() {
    return this.world.db.select().from(tasks).where(eq(tasks.deleted, false)).orderBy(tasks.createdAt, tasks.id);
  }

  private async taskAt(index: number) {
    const rows = await this.liveTasks();
    return rows.length ? rows[index % rows.length] : undefined;
  }

  /** Every event of the three calendars: those of tasks in the tasks' order, then those the engine does not know yet. */
  private async eventsOf() {
    const order = new Map((await this.liveTasks()).map((task, i) => [task.id, i]));
    const all = this.world.bindings.flatMap((_, binding) => {
      const calendarId = this.world.calendarOf(binding);
      return calendarId ? this.world.side.events(calendarId).map((event) => ({ binding, calendarId, event })) : [];
    });
    const rank = (e: (typeof all)[number]) => (e.event.taskId !== undefined ? (order.get(e.event.taskId) ?? 1e6) : 2e6);
    return all.sort((a, b) => rank(a) - rank(b) || a.event.id.localeCompare(b.event.id));
  }

  private async eventAt(index: number) {
    const all = await this.eventsOf();
    return all.length ? all[index % all.length] : undefined;
  }

  /** The expectation of a task, taking over the one its calendar-made event had. */
  async expectationOf(taskId: string): Promise<Expectation> {
    const known = this.expected.get(taskId);
    if (known) return known;
    const linked = await this.world.db.select().from(links).where(eq(links.taskId, taskId));
    for (const link of linked) {
      const b = this.world.bindings.findIndex((x) => x.id === link.bindingId);
      const pending = this.unimported.get(`${b}:${link.remoteId}`);
      if (pending) {
        this.unimported.delete(`${b}:${link.remoteId}`);
        this.expected.set(taskId, pending);
        return pending;
      }
    }
    const made = fresh();
    this.expected.set(taskId, made);
    return made;
  }

  async apply(op: Operation): Promise<void> {
    const { world } = this;
    const n = ++this.serial;
    switch (op.kind) {
      case "crmCreate": {
        const start = at(op.inWindow ? op.hour : OUTSIDE);
        const [row] = await world.db
          .insert(tasks)
          .values({
            eventTypeId: world.typeId,
            operatorId: world.bindings[op.binding].operatorId,
            subject: `CRM ${n}`,
            location: `Room ${n}`,
            startAt: start,
            endAt: new Date(start.getTime() + 3_600_000),
          })
          .returning();
        this.expected.set(row.id, { ...fresh(), location: `Room ${n}`, subjectEdits: [{ side: "crm", value: `CRM ${n}` }] });
        return;
      }
      case "crmEdit": {
        const task = await this.taskAt(op.task);
        if (!task) return;
        const expect = await this.expectationOf(task.id);
        expect.touchedBy.add("crm");
        if (op.field === "subject") {
          await world.db
            .update(tasks)
            .set({ subject: `CRM edit ${n}` })
            .where(eq(tasks.id, task.id));
          expect.subjectEdits.push({ side: "crm", value: `CRM edit ${n}` });
        } else if (op.field === "location") {
          await world.db
            .update(tasks)
            .set({ location: `Moved to ${n}` })
            .where(eq(tasks.id, task.id));
          expect.location = `Moved to ${n}`;
        } else if (!task.allDay) {
          await world.db
            .update(tasks)
            .set({ startAt: at(op.hour), endAt: at(op.hour + 1) })
            .where(eq(tasks.id, task.id));
        }
        return;
      }
      case "crmMove": {
        const task = await this.taskAt(op.task);
        if (!task) return;
        const expect = await this.expectationOf(task.id);
        const from = world.bindings.findIndex((b) => b.operatorId === task.operatorId);
        expect.touchedBy.add("crm");
        if (ACCOUNT_OF[from] !== ACCOUNT_OF[op.to]) expect.foreignMayGo = true;
        await world.db.update(tasks).set({ operatorId: world.bindings[op.to].operatorId }).where(eq(tasks.id, task.id));
        return;
      }
      case "crmDelete": {
        const task = await this.taskAt(op.task);
        if (!task) return;
        const expect = await this.expectationOf(task.id);
        expect.touchedBy.add("crm");
        expect.deletedBy.push("crm");
        // A hard delete, as any CRM client may do: the trigger keeps a tombstone.
        await world.db.delete(tasks).where(eq(tasks.id, task.id));
        return;
      }
      case "calCreate": {
        const calendarId = world.calendarOf(op.binding);
        if (!calendarId) return;
        const id = world.side.create(calendarId, `Cal ${n}`, at(op.hour).toISOString(), at(op.hour + 1).toISOString());
        this.unimported.set(`${op.binding}:${id}`, { ...fresh(), subjectEdits: [{ side: "calendar", value: `Cal ${n}` }] });
        return;
      }
      case "calEdit":
      case "calDelete": {
        const found = await this.eventAt(op.event);
        if (!found) return;
        const { binding, calendarId, event } = found;
        const expect = event.taskId ? await this.expectationOf(event.taskId) : this.unimported.get(`${binding}:${event.id}`);
        if (!expect) return;
        expect.touchedBy.add("calendar");
        if (op.kind === "calDelete") {
          world.side.remove(calendarId, event.id);
          expect.deletedBy.push("calendar");
          expect.foreignMayGo = true;
          // A deleted event's earlier edits cannot outlive it: if a CRM change overrides the deletion, they are gone.
          expect.subjectEdits = expect.subjectEdits.filter((edit) => edit.side === "crm");
        } else if (op.field === "summary") {
          world.side.edit(calendarId, event.id, { summary: `Cal edit ${n}` });
          expect.subjectEdits.push({ side: "calendar", value: `Cal edit ${n}` });
        } else if (op.field === "location") {
          world.side.edit(calendarId, event.id, { location: `Somewhere ${n}` });
        } else if (op.field === "guest") {
          world.side.addGuest(calendarId, event.id, `guest${n}@example.com`);
          expect.guest ??= `guest${n}@example.com`;
        } else {
          world.side.edit(calendarId, event.id, { start: at(op.hour).toISOString(), end: at(op.hour + 2).toISOString() });
        }
        return;
      }
      case "bothSides": {
        const task = await this.taskAt(op.task);
        if (!task) return;
        const event = (await this.eventsOf()).findIndex((e) => e.event.taskId === task.id);
        await this.apply({ kind: "crmEdit", task: op.task, field: op.crm, hour: op.hour });
        if (event < 0) return;
        await this.apply(op.calendar === "delete" ? { kind: "calDelete", event } : { kind: "calEdit", event, field: op.calendar, hour: op.hour + 3 });
        return;
      }
      case "expireTokens":
        world.side.expireSyncTokens();
        return;
      case "fault":
        world.side.failNextCall();
        return;
      case "crash":
        world.armCrash();
        return;
      case "pass":
        await world.pass(op.binding, op.mode);
        return;
    }
  }

  /** Calendar-made events the engine imported: their expectations move to their tasks. */
  async resolveImports(): Promise<void> {
    const all = await this.world.db.select({ taskId: links.taskId }).from(links);
    for (const { taskId } of all) await this.expectationOf(taskId);
  }
}
