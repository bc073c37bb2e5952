// Recurring series as a Graph client sees them ("Schedule repeating appointments as recurring events",
// "recurrencePattern resource type", "recurrenceRange resource type", "List instances").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { ok, type Session, session } from "./graph-client.js";

let graph: FakeGraph;
let anna: Session;
let calendarId: string;

beforeAll(async () => {
  graph = await startFakeGraph();
  anna = await session(graph, "anna@contoso.example");
  calendarId = ok(await anna.call("POST", "me/calendars", { body: { name: "CRM" } })).id;
});
afterAll(async () => {
  await graph.close();
});

/** Every Monday and Thursday 9:00–9:30 Warsaw time from 4 to 14 March 2030: 4 occurrences. */
const weekly = {
  subject: "Review",
  start: { dateTime: "2030-03-04T09:00:00", timeZone: "Europe/Warsaw" },
  end: { dateTime: "2030-03-04T09:30:00", timeZone: "Europe/Warsaw" },
  recurrence: {
    pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "thursday"], firstDayOfWeek: "monday" },
    range: { type: "endDate", startDate: "2030-03-04", endDate: "2030-03-14" },
  },
};

const instances = async (id: string, from = "2030-01-01T00:00:00Z", to = "2031-01-01T00:00:00Z") =>
  ok(await anna.call("GET", `me/events/${id}/instances?startDateTime=${from}&endDateTime=${to}&$top=100`)).value;

describe("series", () => {
  it("a master answers type seriesMaster with the recurrence and Graph's defaults; occurrences follow the pattern on the wall clock", async () => {
    const master = ok(await anna.call("POST", `me/calendars/${calendarId}/events`, { body: weekly }));
    expect(master).toMatchObject({
      type: "seriesMaster",
      recurrence: {
        pattern: {
          type: "weekly",
          interval: 1,
          daysOfWeek: ["monday", "thursday"],
          firstDayOfWeek: "monday",
          index: "first",
          dayOfMonth: 0,
          month: 0,
        },
        range: { type: "endDate", startDate: "2030-03-04", endDate: "2030-03-14", numberOfOccurrences: 0, recurrenceTimeZone: "Europe/Warsaw" },
      },
    });
    const list = await instances(master.id, "2030-03-01T00:00:00Z", "2030-04-01T00:00:00Z");
    expect(list.map((o: any) => o.start.dateTime)).toEqual([
      "2030-03-04T08:00:00.0000000",
      "2030-03-07T08:00:00.0000000",
      "2030-03-11T08:00:00.0000000",
      "2030-03-14T08:00:00.0000000",
    ]);
    expect(list[0]).toMatchObject({ type: "occurrence", seriesMasterId: master.id, originalStart: "2030-03-04T08:00:00Z", recurrence: null });
    expect(new Set(list.map((o: any) => o.id)).size).toBe(4);
    expect(ok(await anna.call("GET", `me/events/${list[1].id}`))).toMatchObject({ id: list[1].id, type: "occurrence" });
  });

  it("editing one occurrence makes an exception; deleting one removes it; both leave the others alone", async () => {
    const master = ok(await anna.call("POST", `me/calendars/${calendarId}/events`, { body: { ...weekly, subject: "Edited series" } }));
    const [first, second, third] = await instances(master.id);
    const moved = ok(
      await anna.call("PATCH", `me/events/${second.id}`, {
        body: {
          subject: "Moved review",
          start: { dateTime: "2030-03-07T15:00:00", timeZone: "UTC" },
          end: { dateTime: "2030-03-07T16:00:00", timeZone: "UTC" },
        },
      }),
    );
    expect(moved).toMatchObject({
      id: second.id,
      type: "exception",
      subject: "Moved review",
      originalStart: "2030-03-07T08:00:00Z",
      seriesMasterId: master.id,
    });
    expect((await anna.call("DELETE", `me/events/${third.id}`)).status).toBe(204);
    expect((await anna.call("GET", `me/events/${third.id}`)).status).toBe(404);
    const after = await instances(master.id);
    expect(after.map((o: any) => [o.type, o.subject, o.start.dateTime])).toEqual([
      ["occurrence", "Edited series", first.start.dateTime],
      ["exception", "Moved review", "2030-03-07T15:00:00.0000000"],
      ["occurrence", "Edited series", "2030-03-14T08:00:00.0000000"],
    ]);
    expect((await anna.call("PATCH", `me/events/${first.id}`, { body: { recurrence: weekly.recurrence } })).status).toBe(400);
  });

  it("a master's new subject reaches its occurrences and keeps its exceptions; new times drop them, as Outlook does", async () => {
    const master = ok(await anna.call("POST", `me/calendars/${calendarId}/events`, { body: weekly }));
    const [, second] = await instances(master.id);
    ok(await anna.call("PATCH", `me/events/${second.id}`, { body: { location: { displayName: "Room 2" } } }));
    ok(await anna.call("PATCH", `me/events/${master.id}`, { body: { subject: "Renamed series", start: weekly.start, end: weekly.end } }));
    const renamed = await instances(master.id);
    expect(renamed.map((o: any) => [o.type, o.subject])).toEqual([
      ["occurrence", "Renamed series"],
      ["exception", "Renamed series"],
      ["occurrence", "Renamed series"],
      ["occurrence", "Renamed series"],
    ]);
    expect(renamed[1].location.displayName).toBe("Room 2");
    const later = { start: { ...weekly.start, dateTime: "2030-03-04T11:00:00" }, end: { ...weekly.end, dateTime: "2030-03-04T11:30:00" } };
    ok(await anna.call("PATCH", `me/events/${master.id}`, { body: later }));
    expect((await instances(master.id)).map((o: any) => [o.type, o.start.dateTime.slice(11, 16)])).toEqual([
      ["occurrence", "10:00"],
      ["occurrence", "10:00"],
      ["occurrence", "10:00"],
      ["occurrence", "10:00"],
    ]);
  });

  it("deleting the master removes the whole series", async () => {
    const master = ok(await anna.call("POST", `me/calendars/${calendarId}/events`, { body: weekly }));
    const [occurrence] = await instances(master.id);
    expect((await anna.call("DELETE", `me/events/${master.id}`)).status).toBe(204);
    expect((await anna.call("GET", `me/events/${master.id}`)).status).toBe(404);
    expect((await anna.call("GET", `me/events/${occurrence.id}`)).status).toBe(404);
  });

  it("expands daily with interval, numbered ranges and absoluteMonthly (short months get their last day)", async () => {
    const base = {
      subject: "x",
      start: { dateTime: "2030-01-31T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-01-31T11:00:00", timeZone: "UTC" },
    };
    const everyOther = ok(
      await anna.call("POST", "me/events", {
        body: {
          ...base,
          recurrence: { pattern: { type: "daily", interval: 2 }, range: { type: "numbered", startDate: "2030-01-31", numberOfOccurrences: 3 } },
        },
      }),
    );
    expect((await instances(everyOther.id)).map((o: any) => o.start.dateTime.slice(0, 10))).toEqual(["2030-01-31", "2030-02-02", "2030-02-04"]);
    const monthly = ok(
      await anna.call("POST", "me/events", {
        body: {
          ...base,
          recurrence: {
            pattern: { type: "absoluteMonthly", interval: 1, dayOfMonth: 31 },
            range: { type: "numbered", startDate: "2030-01-31", numberOfOccurrences: 3 },
          },
        },
      }),
    );
    expect((await instances(monthly.id)).map((o: any) => o.start.dateTime.slice(0, 10))).toEqual(["2030-01-31", "2030-02-28", "2030-03-31"]);
    const endless = ok(
      await anna.call("POST", "me/events", {
        body: {
          ...base,
          recurrence: {
            pattern: { type: "relativeMonthly", interval: 1, daysOfWeek: ["friday"], index: "last" },
            range: { type: "noEnd", startDate: "2030-01-01" },
          },
        },
      }),
    );
    expect(endless.recurrence.range).toMatchObject({ type: "noEnd", endDate: "0001-01-01" });
    expect((await instances(endless.id, "2030-01-01T00:00:00Z", "2030-04-01T00:00:00Z")).map((o: any) => o.start.dateTime.slice(0, 10))).toEqual([
      "2030-01-25",
      "2030-02-22",
      "2030-03-29",
    ]);
  });

  it("refuses a weekly pattern without daysOfWeek", async () => {
    const answer = await anna.call("POST", "me/events", {
      body: { ...weekly, recurrence: { pattern: { type: "weekly", interval: 1 }, range: weekly.recurrence.range } },
    });
    expect(answer.status).toBe(400);
  });

  it("the calendar view lists occurrences and exceptions, not masters", async () => {
    const other = ok(await anna.call("POST", "me/calendars", { body: { name: "View" } }));
    const master = ok(await anna.call("POST", `me/calendars/${other.id}/events`, { body: weekly }));
    const view = ok(
      await anna.call("GET", `me/calendars/${other.id}/calendarView?startDateTime=2030-03-05T00:00:00Z&endDateTime=2030-03-12T00:00:00Z`),
    );
    expect(view.value.map((e: any) => [e.type, e.seriesMasterId])).toEqual([
      ["occurrence", master.id],
      ["occurrence", master.id],
    ]);
    expect((await anna.call("GET", `me/calendars/${other.id}/calendarView`)).body.error.code).toBe("ErrorInvalidParameter");
  });
});
