// The planner as table tests: (event, link, task) and (task, link, where it lives) → action. No I/O.
import { describe, expect, it } from "vitest";
import type { CalendarEvent, EventData } from "../../adapters/types.js";
import type { LinkRow } from "../../db/queries/links.js";
import type { PendingPush } from "../../db/queries/pushes.js";
import type { TaskRecord } from "../../db/queries/tasks.js";
import { renderEvent, shownOf } from "../../engine/event-render.js";
import { type PlanContext, planPulled, planPush, planRemoteDeletion } from "../../engine/planner.js";
import { syncWindow } from "../../engine/window.js";

const task = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "0b5e3a8e-6c1f-4d6e-9a51-2f1f0b0f5c11",
  number: "43/2030",
  subject: "Oferta handlowa",
  description: "Bring the price list",
  location: "Kraków",
  customer: "ACME",
  priority: "normal",
  status: "open",
  allDay: false,
  startAt: new Date("2030-08-06T08:00:00Z"),
  endAt: new Date("2030-08-06T09:00:00Z"),
  startDate: null,
  endDate: null,
  timeZone: null,
  features: {},
  deleted: false,
  version: 3,
  updatedAt: new Date("2030-08-05T10:00:00Z"),
  operatorId: "op",
  eventTypeId: "type",
  ...over,
});

const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
  operatorId: "op",
  eventTypeId: "type",
  render: { display: { fields: ["number"], features: [] }, operatorName: "Anna", timeZone: "Europe/Warsaw" },
  policy: "latest-wins",
  window: syncWindow(new Date("2030-08-01T00:00:00Z"), 3, "Europe/Warsaw"),
  accountId: "anna@example.com",
  provider: "google",
  canMove: true,
  ownEventId: (taskId) => `own-${taskId}`,
  ...over,
});

const event = (data: EventData, over: Partial<CalendarEvent> = {}): CalendarEvent => ({
  id: "e1",
  etag: '"2"',
  updated: "2030-08-05T09:00:00Z",
  resource: { summary: data.summary, attendees: [{ email: "guest@example.com" }] },
  ...data,
  ...over,
});

/** The link as the last sync left it: the calendar showed `shown`, reflecting task version `syncedVersion`. */
const link = (shown: EventData, over: Partial<LinkRow> = {}): LinkRow => ({
  taskId: task().id,
  bindingId: "b1",
  calendarId: "cal",
  remoteId: "e1",
  etag: '"1"',
  syncedVersion: 3,
  remoteUpdated: null,
  resource: { summary: shown.summary },
  shown: shownOf(shown),
  readOnly: false,
  updatedAt: new Date(),
  ...over,
});

const shown = renderEvent(task(), ctx().render);

describe("pulled events of linked tasks", () => {
  it("R13: our own write coming back changes nothing", () => {
    expect(planPulled(event(shown, { etag: '"1"' }), link(shown), task(), ctx())).toBeNull();
  });

  it("R18: a change only beyond what taskcal owns (attendees) records the new etag and resource, nothing else", () => {
    const action = planPulled(event(shown), link(shown), task(), ctx());
    expect(action).toMatchObject({ kind: "refresh", event: { etag: '"2"' } });
  });

  it("R18: a CRM edit meeting such a change is no conflict: it is written over the event as the calendar shows it now", () => {
    const edited = task({ version: 4, subject: "Nowa oferta", updatedAt: new Date("2030-08-05T08:00:00Z") });
    const action = planPulled(event(shown, { updated: "2030-08-05T12:00:00Z" }), link(shown), edited, ctx());
    expect(action).toMatchObject({
      kind: "write",
      reason: "update",
      base: { etag: '"2"', resource: { attendees: [{ email: "guest@example.com" }] } },
    });
    expect(action).not.toHaveProperty("conflict", expect.anything());
  });

  it("R10: a calendar edit of what the task shows flows to the task", () => {
    const action = planPulled(event({ ...shown, summary: "Renamed - (43/2030)" }), link(shown), task(), ctx());
    expect(action).toMatchObject({ kind: "apply", fields: { subject: "Renamed" } });
    expect(action).not.toHaveProperty("conflict", expect.anything());
  });

  it("R12: both sides changed the same field: the policy decides it and the journal says which", () => {
    const edited = task({ version: 4, subject: "CRM side", updatedAt: new Date("2030-08-05T08:00:00Z") });
    const renamed = event({ ...shown, summary: "Renamed - (43/2030)" }, { updated: "2030-08-05T12:00:00Z" });
    expect(planPulled(renamed, link(shown), edited, ctx({ policy: "latest-wins" }))).toMatchObject({
      kind: "apply",
      fields: { subject: "Renamed" },
      conflict: { winner: "calendar", detail: "both sides changed subject (the calendar's kept); policy latest-wins" },
    });
    expect(planPulled(renamed, link(shown), edited, ctx({ policy: "crm-wins" }))).toMatchObject({
      kind: "write",
      conflict: { winner: "crm", detail: "both sides changed subject (the CRM's kept); policy crm-wins" },
      base: { etag: '"2"' },
    });
  });

  it("R12: both sides changed different fields: each keeps its change, whatever the policy, and nothing is in conflict", () => {
    const edited = task({ version: 4, subject: "Nowa oferta", updatedAt: new Date("2030-08-05T13:00:00Z") });
    const moved = event(
      { ...shown, start: { dateTime: "2030-08-07T08:00:00Z" }, end: { dateTime: "2030-08-07T09:00:00Z" } },
      { updated: "2030-08-05T12:00:00Z" },
    );
    for (const policy of ["latest-wins", "crm-wins", "google-wins"] as const) {
      const action = planPulled(moved, link(shown), edited, ctx({ policy }));
      expect(action).toMatchObject({ kind: "apply", fields: { subject: "Nowa oferta", startAt: new Date("2030-08-07T08:00:00Z") } });
      expect(action).not.toHaveProperty("conflict", expect.anything());
    }
  });

  it("a removed number is written back without touching the task", () => {
    expect(planPulled(event({ ...shown, summary: "Oferta handlowa" }), link(shown), task(), ctx())).toMatchObject({
      kind: "write",
      reason: "restore",
    });
  });

  it("R19: a location edited in the calendar of a type that does not display it is not a change", () => {
    expect(planPulled(event({ ...shown, location: "Gdańsk" }), link(shown), task(), ctx())).toMatchObject({ kind: "refresh" });
  });

  it("an event of a task that moved to another binding: a change made there still reaches the task, nothing is written back", () => {
    const moved = task({ operatorId: "other" });
    expect(planPulled(event({ ...shown, summary: "Renamed - (43/2030)" }), link(shown), moved, ctx())).toMatchObject({
      kind: "apply",
      fields: { subject: "Renamed" },
      restore: false,
    });
    expect(planPulled(event({ ...shown, location: "only beside" }), link(shown), moved, ctx())).toMatchObject({ kind: "refresh" });
  });

  it("read-only events (Google's from Gmail) follow the calendar and are never written", () => {
    const readOnly = link(shown, { readOnly: true });
    expect(planPulled(event({ ...shown, summary: "Flight" }), readOnly, task(), ctx())).toMatchObject({ kind: "apply" });
    expect(planPulled(event({ ...shown, summary: "Oferta handlowa" }), readOnly, task(), ctx())).toMatchObject({ kind: "refresh" });
  });

  it("R20: an event whose times cannot be read becomes a failure of that event, not a crash", () => {
    const broken = event({ ...shown, summary: "x", start: { dateTime: "garbage" } });
    expect(planPulled(broken, link(shown), task(), ctx())).toMatchObject({ kind: "fail", remoteId: "e1", code: "unusable_event" });
  });
});

describe("pulled events without a link", () => {
  it("R13: an event naming one of our tasks is adopted (after a crash, a rebind), never imported again", () => {
    expect(planPulled(event(shown), null, task(), ctx())).toMatchObject({ kind: "adopt", settled: true });
    // The event says what taskcal wrote: the CRM changed since, the calendar did not. No conflict: the CRM's change is pushed.
    const changed = task({ version: 4, subject: "Nowa oferta", updatedAt: new Date("2030-08-05T12:00:00Z") });
    const adopt = planPulled(event(shown), null, changed, ctx());
    expect(adopt).toMatchObject({ kind: "adopt", settled: false });
    expect(adopt).not.toHaveProperty("conflict");
  });

  it("R13/R12: after a crash between the calendar write and its commit, each side's changes since still merge", () => {
    // The calendar moved the event, the CRM renamed the task; no link remembers the ancestor, the event does.
    const renamed = task({ version: 4, subject: "Nowa oferta", updatedAt: new Date("2030-08-05T13:00:00Z") });
    const moved = event({ ...shown, start: { dateTime: "2030-08-07T08:00:00Z" }, end: { dateTime: "2030-08-07T09:00:00Z" } });
    for (const policy of ["latest-wins", "google-wins"] as const) {
      expect(planPulled(moved, null, renamed, ctx({ policy }))).toMatchObject({
        kind: "apply",
        fields: { subject: "Nowa oferta", startAt: new Date("2030-08-07T08:00:00Z") },
      });
    }
  });

  it("R5: an event naming another binding's task is never touched", () => {
    expect(planPulled(event(shown), null, task({ operatorId: "someone else" }), ctx())).toBeNull();
  });

  it("R13: this binding's own event of a task that moved on before the event's link was recorded (a crash) is deleted", () => {
    const moved = task({ operatorId: "someone else" });
    expect(planPulled(event(shown, { id: `own-${moved.id}` }), null, moved, ctx())).toMatchObject({ kind: "delete", remoteId: `own-${moved.id}` });
  });

  it("R10: a calendar-made event inside the window is imported; outside, or a status event, it is not", () => {
    const lunch = event({ summary: "Lunch", start: { date: "2030-08-10" }, end: { date: "2030-08-11" } });
    expect(planPulled(lunch, null, null, ctx())).toMatchObject({ kind: "import", fields: { subject: "Lunch" } });
    expect(planPulled({ ...lunch, start: { date: "2020-01-01" }, end: { date: "2020-01-02" } }, null, null, ctx())).toBeNull();
    expect(planPulled({ ...lunch, statusOnly: true }, null, null, ctx())).toBeNull();
  });

  it("a copy of one of our events someone made is a new task, not a second link", () => {
    expect(planPulled(event(shown, { id: "copy" }), null, task(), ctx(), true)).toMatchObject({ kind: "import" });
  });
});

describe("R11/R12: deletions in the calendar", () => {
  it("make the task a tombstone, unless it changed since (then the edit wins and the event comes back)", () => {
    expect(planRemoteDeletion(link(shown), task(), ctx())).toMatchObject({ kind: "tombstone" });
    expect(planRemoteDeletion(link(shown), task({ version: 4 }), ctx())).toMatchObject({ kind: "unlink", conflict: { winner: "crm" } });
    expect(planRemoteDeletion(link(shown), task({ version: 4 }), ctx({ policy: "google-wins" }))).toMatchObject({ kind: "tombstone" });
    expect(planRemoteDeletion(link(shown), task({ deleted: true, version: 4 }), ctx())).toMatchObject({ kind: "unlink", detail: null });
  });
});

describe("R9/R11: pushes", () => {
  const pending = (over: Partial<PendingPush> = {}): PendingPush => ({ task: task(), link: null, elsewhere: null, destination: null, ...over });

  it("creates the event of a task in the window, and nothing outside it", () => {
    expect(planPush(pending(), ctx())).toMatchObject({ kind: "create" });
    expect(planPush(pending({ task: task({ endAt: new Date("2020-01-01T00:00:00Z") }) }), ctx())).toBeNull();
  });

  it("writes a changed task over the event as last seen (its resource), so what people added survives", () => {
    const action = planPush(pending({ task: task({ version: 4 }), link: link(shown) }), ctx());
    expect(action).toMatchObject({ kind: "write", reason: "update", base: { etag: '"1"', resource: { summary: shown.summary } } });
    expect(planPush(pending({ link: link(shown) }), ctx())).toBeNull();
  });

  it("deletes the event of a deleted task", () => {
    expect(planPush(pending({ task: task({ deleted: true, version: 4 }), link: link(shown) }), ctx())).toMatchObject({
      kind: "delete",
      detail: "task deleted",
    });
  });

  it("R18: a move within one account moves the event whole; across accounts it is made anew and says what stayed behind", () => {
    const from = { bindingId: "b0", calendarId: "old", remoteId: "e0", accountId: "anna@example.com", provider: "google" };
    expect(planPush(pending({ elsewhere: from }), ctx())).toMatchObject({ kind: "move", from });
    const create = planPush(pending({ elsewhere: { ...from, accountId: "jan@example.com" } }), ctx());
    expect(create).toMatchObject({ kind: "create", note: expect.stringContaining("stayed behind") });
    expect(planPush(pending({ elsewhere: from }), ctx({ canMove: false }))).toMatchObject({ kind: "create" });
  });

  it("the calendar a task left waits for its destination on the same account to move the event, and never deletes it", () => {
    const moved = task({ operatorId: "jan", version: 4 });
    const destination = { bindingId: "b2", accountId: "anna@example.com", provider: "google", linkedRemoteId: null };
    expect(planPush(pending({ task: moved, link: link(shown), destination }), ctx())).toBeNull();
    const arrived = { ...destination, linkedRemoteId: "e1" };
    expect(planPush(pending({ task: moved, link: link(shown), destination: arrived }), ctx())).toMatchObject({ kind: "unlink" });
    expect(planPush(pending({ task: moved, link: link(shown), destination: { ...destination, accountId: "jan@example.com" } }), ctx())).toMatchObject(
      {
        kind: "delete",
      },
    );
    expect(planPush(pending({ task: moved, link: link(shown) }), ctx())).toMatchObject({
      kind: "delete",
      detail: expect.stringContaining("no calendar"),
    });
  });

  it("a CRM edit of a read-only event is recorded and kept in the CRM, never written", () => {
    expect(planPush(pending({ task: task({ version: 4 }), link: link(shown, { readOnly: true }) }), ctx())).toMatchObject({ kind: "hold" });
  });
});
