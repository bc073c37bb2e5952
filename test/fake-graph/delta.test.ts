// calendarView delta as a Graph client sees it ("event: delta", "Get incremental changes to events in a
// calendar view", "Use delta query to track changes in Microsoft Graph data").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { meeting, ok, type Session, session } from "./graph-client.js";

let graph: FakeGraph;
let anna: Session;
let calendarId: string;
const email = "anna@contoso.example";
const WINDOW = "startDateTime=2030-03-01T00:00:00Z&endDateTime=2030-04-01T00:00:00Z";

beforeAll(async () => {
  graph = await startFakeGraph();
  anna = await session(graph, email);
});
afterAll(async () => {
  await graph.close();
});
let calendars = 0;
beforeEach(async () => {
  calendarId = ok(await anna.call("POST", "me/calendars", { body: { name: `Delta ${++calendars}` } })).id;
});

/** Follows nextLinks to the end of a round: its pages, all rows, and the deltaLink. */
async function round(link: string, headers: Record<string, string> = {}) {
  const pages: any[] = [];
  for (let next: string | undefined = link; next; ) {
    const page = ok(await anna.call("GET", next, { headers }));
    pages.push(page);
    next = page["@odata.nextLink"];
  }
  return { pages, rows: pages.flatMap((p) => p.value), deltaLink: pages[pages.length - 1]["@odata.deltaLink"] as string };
}

const first = () => round(`me/calendars/${calendarId}/calendarView/delta?${WINDOW}`);
const create = (subject: string, start: string) => graph.user.createEvent(email, calendarId, meeting(subject, start));

describe("calendarView delta", () => {
  it("needs startDateTime and endDateTime on the first request", async () => {
    const answer = await anna.call("GET", `me/calendars/${calendarId}/calendarView/delta`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("ErrorInvalidParameter");
  });

  it("pages by Prefer odata.maxpagesize with nextLinks carrying the window, and ends with an opaque deltaLink", async () => {
    for (let day = 1; day <= 5; day++) create(`Visit ${day}`, `2030-03-0${day}T09:00:00`);
    create("Outside", "2030-05-01T09:00:00");
    const { pages, rows, deltaLink } = await round(`me/calendars/${calendarId}/calendarView/delta?${WINDOW}`, { Prefer: "odata.maxpagesize=2" });
    expect(pages.map((p) => p.value.length)).toEqual([2, 2, 1]);
    expect(pages[0]["@odata.nextLink"]).toMatch(new RegExp(`^${graph.graphUrl}me/calendars/[^/]+/calendarView/delta\\?\\$skiptoken=[^&]+$`));
    expect(pages[0]["@odata.nextLink"]).not.toContain("startDateTime");
    expect(rows.map((r) => r.subject).sort()).toEqual(["Visit 1", "Visit 2", "Visit 3", "Visit 4", "Visit 5"]);
    expect(rows[0]).toMatchObject({ "@odata.type": "#microsoft.graph.event", type: "singleInstance", "@odata.etag": expect.any(String) });
    expect(deltaLink).toMatch(/\?\$deltatoken=[^&]+$/);
  });

  it("the next round has only the changes: updated, created, and deleted as @removed", async () => {
    const keep = create("Keep", "2030-03-02T09:00:00");
    const change = create("Change", "2030-03-03T09:00:00");
    const remove = create("Remove", "2030-03-04T09:00:00");
    const { deltaLink } = await first();
    expect((await round(deltaLink)).rows).toEqual([]);
    graph.user.updateEvent(email, change.id, { subject: "Changed" });
    graph.user.deleteEvent(email, remove.id);
    const added = create("Added", "2030-03-05T09:00:00");
    const next = await round(deltaLink);
    expect(next.rows.filter((r) => !r["@removed"]).map((r) => [r.id, r.subject])).toEqual(
      expect.arrayContaining([
        [change.id, "Changed"],
        [added.id, "Added"],
      ]),
    );
    expect(next.rows.filter((r) => r["@removed"])).toEqual([
      { "@odata.type": "#microsoft.graph.event", id: remove.id, "@removed": { reason: "deleted" } },
    ]);
    expect(next.rows.map((r) => r.id)).not.toContain(keep.id);
  });

  it("keeps the first request's window: an event moved out is @removed, one moved in appears", async () => {
    const leaving = create("Leaving", "2030-03-10T09:00:00");
    const arriving = create("Arriving", "2030-06-10T09:00:00");
    const { rows, deltaLink } = await first();
    expect(rows.map((r) => r.id)).toEqual([leaving.id]);
    graph.user.updateEvent(email, leaving.id, meeting("Leaving", "2030-06-11T09:00:00"));
    graph.user.updateEvent(email, arriving.id, meeting("Arriving", "2030-03-11T09:00:00"));
    const next = await round(deltaLink);
    expect(next.rows.find((r) => r.id === leaving.id)).toMatchObject({ "@removed": { reason: "deleted" } });
    expect(next.rows.find((r) => r.id === arriving.id)).toMatchObject({ subject: "Arriving", start: { dateTime: "2030-03-11T09:00:00.0000000" } });
  });

  it("reports changes outside the window as @removed too, as the docs warn", async () => {
    const { deltaLink } = await first();
    const far = create("Far away", "2031-01-01T09:00:00");
    expect((await round(deltaLink)).rows).toEqual([{ "@odata.type": "#microsoft.graph.event", id: far.id, "@removed": { reason: "deleted" } }]);
  });

  it("lists a series' occurrences and exceptions in the window as instances, and their changes", async () => {
    const master = graph.user.createEvent(email, calendarId, {
      subject: "Weekly",
      start: { dateTime: "2030-03-25T09:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-03-25T10:00:00", timeZone: "UTC" },
      recurrence: {
        pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday"], firstDayOfWeek: "sunday" },
        range: { type: "noEnd", startDate: "2030-03-04" },
      },
    });
    const { rows, deltaLink } = await first();
    expect(rows.map((r) => [r.type, r.seriesMasterId, r.start.dateTime.slice(0, 10)])).toEqual([
      ["occurrence", master.id, "2030-03-04"],
      ["occurrence", master.id, "2030-03-11"],
      ["occurrence", master.id, "2030-03-18"],
      ["occurrence", master.id, "2030-03-25"],
    ]);
    graph.user.updateEvent(email, rows[1].id, { subject: "Special" });
    graph.user.deleteEvent(email, rows[2].id);
    const next = await round(deltaLink);
    expect(next.rows.map((r) => [r.id, r.type ?? "removed"])).toEqual(
      expect.arrayContaining([
        [rows[1].id, "exception"],
        [rows[2].id, "removed"],
      ]),
    );
    expect(next.rows).toHaveLength(2);
  });

  it("never carries extended properties and refuses $expand: clients read them by id", async () => {
    const id = "String {0b6c3c39-5e5d-4a8e-8d0f-8d1c6f1d2a11} Name taskId";
    graph.user.createEvent(email, calendarId, { ...meeting("Task", "2030-03-08T09:00:00"), singleValueExtendedProperties: [{ id, value: "t-1" }] });
    const { rows } = await first();
    expect(rows[0].singleValueExtendedProperties).toBeUndefined();
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${id}')`);
    expect((await anna.call("GET", `me/calendars/${calendarId}/calendarView/delta?${WINDOW}&$expand=${expand}`)).status).toBe(400);
    expect(ok(await anna.call("GET", `me/events/${rows[0].id}?$expand=${expand}`)).singleValueExtendedProperties).toEqual([{ id, value: "t-1" }]);
  });

  it("an invalidated delta token answers 410 syncStateNotFound; a reset answers 410 resyncRequired with a Location to start over", async () => {
    const { deltaLink } = await first();
    graph.invalidateDeltaTokens({ calendarId });
    const expired = await anna.call("GET", deltaLink);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe("syncStateNotFound");

    const again = await first();
    graph.invalidateDeltaTokens({ reason: "reset" });
    const reset = await anna.call("GET", again.deltaLink);
    expect(reset.status).toBe(410);
    expect(reset.body.error.code).toBe("resyncRequired");
    const location = reset.headers.get("location")!;
    expect(location).toContain(`calendarView/delta?startDateTime=2030-03-01T00%3A00%3A00.000Z`);
    expect((await round(location)).deltaLink).toBeTruthy();
  });

  it("answers ids in the immutable form with Prefer IdType=ImmutableId, on the same links", async () => {
    const event = create("Immutable", "2030-03-09T09:00:00");
    const prefer = { Prefer: 'IdType="ImmutableId"' };
    const { rows } = await round(`me/calendars/${calendarId}/calendarView/delta?${WINDOW}`, prefer);
    expect(rows.map((r) => r.id)).toEqual([graph.user.immutableId(email, event.id)]);
  });

  it("the default calendar's delta is at /me/calendarView/delta", async () => {
    const defaultCalendar = graph.user.defaultCalendar(email);
    const event = graph.user.createEvent(email, defaultCalendar.id, meeting("Default", "2030-03-12T09:00:00"));
    const { rows } = await round(`me/calendarView/delta?${WINDOW}`);
    expect(rows.map((r) => r.id)).toContain(event.id);
  });
});
