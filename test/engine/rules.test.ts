// The sync rules as pure functions: no I/O, no database.
import { describe, expect, it } from "vitest";
import type { TaskRecord } from "../../db/queries/tasks.js";
import { WATCH_RENEW_MS } from "../../engine/binding-sync.js";
import { editChangesTask, eventShows, parseEvent, renderEvent, SEPARATOR, UnusableEvent } from "../../engine/event-render.js";
import { conflictWinner } from "../../engine/planner.js";
import type { RenderContext } from "../../engine/task-model.js";
import { BACKSTOP_FACTOR, backoffDelay, pollDelay } from "../../engine/timing.js";
import { syncWindow, taskInWindow } from "../../engine/window.js";

const task = (over: Partial<TaskRecord> = {}): TaskRecord => ({
  id: "0b5e3a8e-6c1f-4d6e-9a51-2f1f0b0f5c11",
  number: "43/2013",
  subject: "Oferta handlowa",
  description: "Bring the price list",
  location: "Kraków",
  customer: "ACME",
  priority: "high",
  status: "open",
  allDay: false,
  startAt: new Date("2013-08-06T08:00:00Z"),
  endAt: new Date("2013-08-06T09:00:00Z"),
  startDate: null,
  endDate: null,
  timeZone: null,
  features: { Budget: "10k", Source: "fair" },
  deleted: false,
  version: 3,
  updatedAt: new Date("2013-08-05T10:00:00Z"),
  operatorId: "op",
  eventTypeId: "type",
  ...over,
});

const ctx = (fields: string[], features: string[] = []): RenderContext => ({
  display: { fields, features },
  operatorName: "Anna Nowakowska",
  timeZone: "Europe/Warsaw",
});

describe("R9: how a task reads in the calendar", () => {
  it("shows the number in the summary only when the number is displayed", () => {
    expect(renderEvent(task(), ctx(["number"])).summary).toBe("Oferta handlowa - (43/2013)");
    expect(renderEvent(task(), ctx([])).summary).toBe("Oferta handlowa");
  });

  it("writes displayed fields and features as labelled lines below a separator", () => {
    const event = renderEvent(task(), ctx(["customer", "priority", "operator", "status"], ["Budget"]));
    expect(event.description).toBe(
      ["Bring the price list", SEPARATOR, "Customer: ACME", "Priority: high", "Operator: Anna Nowakowska", "Status: open", "Budget: 10k"].join("\n"),
    );
  });

  it("has no separator when nothing else is displayed, and a location only when displayed", () => {
    expect(renderEvent(task(), ctx([])).description).toBe("Bring the price list");
    expect(renderEvent(task(), ctx([])).location).toBeUndefined();
    expect(renderEvent(task(), ctx(["location"])).location).toBe("Kraków");
  });

  it("makes an all-day task a date event whose end is the day after (exclusive)", () => {
    const event = renderEvent(task({ allDay: true, startDate: "2013-08-06", endDate: "2013-08-06", startAt: null, endAt: null }), ctx([]));
    expect(event.start).toEqual({ date: "2013-08-06" });
    expect(event.end).toEqual({ date: "2013-08-07" });
  });

  it("writes timed tasks with their zone, or the settings' zone", () => {
    expect(renderEvent(task(), ctx([])).start).toEqual({ dateTime: "2013-08-06T10:00:00+02:00", timeZone: "Europe/Warsaw" });
    expect(renderEvent(task({ timeZone: "America/New_York" }), ctx([])).start).toEqual({
      dateTime: "2013-08-06T04:00:00-04:00",
      timeZone: "America/New_York",
    });
  });

  it("carries the task id privately", () => {
    expect(renderEvent(task(), ctx([])).privateProperties).toEqual({
      taskcalTaskId: task().id,
      taskcalShown: expect.stringMatching(/^1(\.[\w-]{10}){4}$/),
    });
  });
});

describe("R10: what a calendar event says about its task", () => {
  const fieldsOf = (event: Parameters<typeof parseEvent>[0], c = ctx([])) => parseEvent(event, c).fields;

  it("drops the number suffix and the generated lines", () => {
    const rendered = renderEvent(task(), ctx(["number", "customer"], ["Budget"]));
    const edit = fieldsOf({
      ...rendered,
      summary: "Nowa oferta - (43/2013)",
      description: rendered.description!.replace("Budget: 10k", "Budget: 99k"),
    });
    expect(edit.subject).toBe("Nowa oferta");
    expect(edit.description).toBe("Bring the price list");
  });

  it("feature lines edited in the calendar change nothing in the task", () => {
    const c = ctx(["number", "location"], ["Budget"]);
    const rendered = renderEvent(task(), c);
    const edited = { ...rendered, description: rendered.description!.replace("10k", "1M") };
    expect(editChangesTask(task(), fieldsOf(edited, c))).toBe(false);
    expect(eventShows(edited, rendered)).toBe(false);
  });

  it("R19: a location the type does not display never flows back, not even as a blank", () => {
    const hidden = ctx(["number"]);
    const edit = fieldsOf({ ...renderEvent(task(), hidden), location: "Somewhere else" }, hidden);
    expect(edit).not.toHaveProperty("location");
    expect(editChangesTask(task(), edit)).toBe(false);
    expect(fieldsOf({ ...renderEvent(task(), ctx(["location"])), location: "Gdańsk" }, ctx(["location"])).location).toBe("Gdańsk");
  });

  it("R19: an event without a zone keeps the task's zone", () => {
    expect(fieldsOf({ summary: "x", start: { dateTime: "2026-05-04T10:00:00Z" }, end: { dateTime: "2026-05-04T11:00:00Z" } })).not.toHaveProperty(
      "timeZone",
    );
  });

  it("turns a date event's exclusive end back into an inclusive one", () => {
    const edit = fieldsOf({ summary: "Trip", start: { date: "2026-05-04" }, end: { date: "2026-05-07" } });
    expect(edit).toMatchObject({ allDay: true, startDate: "2026-05-04", endDate: "2026-05-06" });
  });

  it("gives untitled events a subject", () => {
    expect(fieldsOf({ summary: "", start: { date: "2026-05-04" }, end: { date: "2026-05-05" } }).subject).toBe("(no title)");
  });

  it("R20: text the database cannot hold is made safe and noted, never a failure", () => {
    const { fields, notes } = parseEvent(
      { summary: "Lunch\u0000 with Ann", description: "x".repeat(12_000), start: { date: "2026-05-04" }, end: { date: "2026-05-05" } },
      ctx([]),
    );
    expect(fields.subject).toBe("Lunch with Ann");
    expect(fields.description).toHaveLength(10_000);
    expect(notes).toEqual(["subject: NUL characters removed", "description: cut to 10000 characters"]);
  });

  it("R20: times that cannot be read make the event unusable (recorded against it), not a crash", () => {
    expect(() => parseEvent({ summary: "x", start: { dateTime: "not a time" }, end: { dateTime: "" } }, ctx([]))).toThrow(UnusableEvent);
    expect(() => parseEvent({ summary: "x", start: { date: "2026-02-31" }, end: { date: "2026-03-01" } }, ctx([]))).toThrow(UnusableEvent);
  });

  it("compares instants by value, not by how they are written", () => {
    const rendered = renderEvent(task(), ctx([]));
    const sameInUtc = { ...rendered, start: { dateTime: "2013-08-06T08:00:00Z" }, end: { dateTime: "2013-08-06T09:00:00.000Z" } };
    expect(eventShows(sameInUtc, rendered)).toBe(true);
  });
});

describe("R8: the window", () => {
  it("starts at the beginning of the day monthsBack months ago in the settings' zone", () => {
    const w = syncWindow(new Date("2026-11-25T23:30:00Z"), 3, "Europe/Warsaw");
    expect(w.startDate).toBe("2026-08-26"); // already the 26th in Warsaw
    expect(w.startInstant.toISOString()).toBe("2026-08-25T22:00:00.000Z");
  });

  it("keeps tasks whose end is on or after the start", () => {
    const w = syncWindow(new Date("2026-11-25T12:00:00Z"), 1, "UTC");
    expect(taskInWindow({ allDay: true, endDate: "2026-10-25", endAt: null }, w)).toBe(true);
    expect(taskInWindow({ allDay: true, endDate: "2026-10-24", endAt: null }, w)).toBe(false);
    expect(taskInWindow({ allDay: false, endDate: null, endAt: new Date("2026-10-24T23:59:59Z") }, w)).toBe(false);
  });
});

describe("R12: conflicts", () => {
  const crmAt = new Date("2026-01-01T10:00:00Z");
  it("follows the policy", () => {
    expect(conflictWinner("crm-wins", crmAt, "2026-01-02T00:00:00Z")).toBe("crm");
    expect(conflictWinner("google-wins", crmAt, "2025-01-01T00:00:00Z")).toBe("calendar");
    expect(conflictWinner("latest-wins", crmAt, "2026-01-01T10:00:01Z")).toBe("calendar");
    expect(conflictWinner("latest-wins", crmAt, "2026-01-01T09:59:59Z")).toBe("crm");
  });
});

describe("R16: backoff", () => {
  it("grows exponentially with jitter, capped, and honours Retry-After", () => {
    expect(backoffDelay(1, 1000, 60_000, 0, () => 0)).toBe(500);
    expect(backoffDelay(3, 1000, 60_000, 0, () => 1)).toBe(4000);
    expect(backoffDelay(30, 1000, 60_000, 0, () => 1)).toBe(60_000);
    expect(backoffDelay(1, 1000, 60_000, 7000, () => 1)).toBe(7000);
  });
});

describe("R14/R17: when the calendar is polled", () => {
  const minute = 60_000;
  it("counts the interval from the last pull, so passes that only push do not put it off", () => {
    expect(pollDelay(minute, null, 0, 0)).toBe(minute);
    expect(pollDelay(minute, null, 0, 45_000)).toBe(15_000);
    expect(pollDelay(minute, null, 0, 90_000)).toBe(0);
  });

  it("with a push channel that delivers, polls as a backstop, and before the channel must be renewed", () => {
    const farExpiry = 7 * 24 * 60 * minute;
    expect(pollDelay(minute, farExpiry, 0, 0)).toBe(BACKSTOP_FACTOR * minute);
    const soonExpiry = 3 * minute + WATCH_RENEW_MS / 2;
    expect(pollDelay(minute, soonExpiry, 0, 0)).toBe(3 * minute);
    // Never more often than the interval, even with a channel about to lapse.
    expect(pollDelay(minute, 1, 0, 0)).toBe(minute);
  });
});
