// Single events as a Graph client sees them ("event resource type", "Create event", "Get event",
// "Update event", "Delete event", "Get singleValueLegacyExtendedProperty", "Obtain immutable identifiers").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { meeting, ok, type Session, session } from "./graph-client.js";

let graph: FakeGraph;
let anna: Session;
let calendarId: string;
const TASK = "String {0b6c3c39-5e5d-4a8e-8d0f-8d1c6f1d2a11} Name taskId";

beforeAll(async () => {
  graph = await startFakeGraph();
  anna = await session(graph, "anna@contoso.example");
  calendarId = ok(await anna.call("POST", "me/calendars", { body: { name: "CRM" } })).id;
});
afterAll(async () => {
  await graph.close();
});

const create = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  anna.call("POST", `me/calendars/${calendarId}/events`, { body, headers });

describe("create and read", () => {
  it("answers 201 with server-assigned id, change key, etag and Outlook's defaults", async () => {
    const answer = await create({ ...meeting("Client visit", "2030-02-03T09:00:00"), body: { contentType: "text", content: "Bring the contract" } });
    expect(answer.status).toBe(201);
    const event = answer.body;
    expect(event).toMatchObject({
      subject: "Client visit",
      type: "singleInstance",
      isAllDay: false,
      reminderMinutesBeforeStart: 15,
      isReminderOn: true,
      showAs: "busy",
      categories: [],
      attendees: [],
      seriesMasterId: null,
      recurrence: null,
      start: { dateTime: "2030-02-03T09:00:00.0000000", timeZone: "UTC" },
      end: { dateTime: "2030-02-03T10:00:00.0000000", timeZone: "UTC" },
      organizer: { emailAddress: { address: "anna@contoso.example" } },
    });
    expect(event["@odata.etag"]).toBe(`W/"${event.changeKey}"`);
    expect(event.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(event.body.contentType).toBe("html");
    expect(event.body.content).toContain("Bring the contract");
    expect(event.bodyPreview).toBe("Bring the contract");
    const read = ok(await anna.call("GET", `me/events/${event.id}`));
    expect(read).toMatchObject({ id: event.id, changeKey: event.changeKey });
    expect(ok(await anna.call("GET", `me/calendars/${calendarId}/events/${event.id}`)).id).toBe(event.id);
  });

  it("answers in the Prefer'd time zone and body type, keeping the original zone", async () => {
    const event = ok(
      await create({
        subject: "Standup",
        start: { dateTime: "2030-02-04T09:30:00", timeZone: "Central European Standard Time" },
        end: { dateTime: "2030-02-04T09:45:00", timeZone: "Central European Standard Time" },
        body: { contentType: "html", content: "<p>Line <b>one</b></p>" },
      }),
    );
    expect(event.start).toEqual({ dateTime: "2030-02-04T08:30:00.0000000", timeZone: "UTC" });
    expect(event.originalStartTimeZone).toBe("Central European Standard Time");
    const answer = await anna.call("GET", `me/events/${event.id}`, {
      headers: { Prefer: 'outlook.timezone="Pacific Standard Time", outlook.body-content-type="text"' },
    });
    expect(answer.body.start).toEqual({ dateTime: "2030-02-04T00:30:00.0000000", timeZone: "Pacific Standard Time" });
    expect(answer.body.body).toEqual({ contentType: "text", content: "Line one" });
    expect(answer.headers.get("preference-applied")).toContain('outlook.timezone="Pacific Standard Time"');
  });

  it("returns only $select'ed properties, with id and etag", async () => {
    const event = ok(await create(meeting("Lean", "2030-02-05T09:00:00")));
    const read = ok(await anna.call("GET", `me/events/${event.id}?$select=subject,start`));
    expect(Object.keys(read).sort()).toEqual(["@odata.context", "@odata.etag", "id", "start", "subject"]);
  });

  it("checks times: end before start, all-day not at midnight, unknown zones", async () => {
    const backwards = await create({
      subject: "x",
      start: { dateTime: "2030-02-03T10:00:00", timeZone: "UTC" },
      end: { dateTime: "2030-02-03T09:00:00", timeZone: "UTC" },
    });
    expect(backwards.body.error.code).toBe("ErrorCalendarEndDateIsEarlierThanStartDate");
    const lunchAllDay = await create({ ...meeting("Offsite", "2030-02-03T12:00:00"), isAllDay: true });
    expect(lunchAllDay.status).toBe(400);
    const allDay = await create({
      subject: "Offsite",
      isAllDay: true,
      start: { dateTime: "2030-02-03T00:00:00", timeZone: "Europe/Warsaw" },
      end: { dateTime: "2030-02-05T00:00:00", timeZone: "Europe/Warsaw" },
    });
    expect(allDay.status).toBe(201);
    // All-day events read midnight to midnight, whatever zone is asked for.
    expect(allDay.body.start).toEqual({ dateTime: "2030-02-03T00:00:00.0000000", timeZone: "UTC" });
    const mars = await create({
      subject: "x",
      start: { dateTime: "2030-02-03T10:00:00", timeZone: "Mars/Olympus" },
      end: { dateTime: "2030-02-03T11:00:00", timeZone: "UTC" },
    });
    expect(mars.body.error.code).toBe("TimeZoneNotSupportedException");
  });

  it("refuses properties the event type does not have", async () => {
    const answer = await create({ ...meeting("x", "2030-02-03T09:00:00"), colour: "red" });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("RequestBodyRead");
  });
});

describe("transactionId", () => {
  it("a retried create with the same transactionId gets the first event, not a second one", async () => {
    const body = { ...meeting("Call back", "2030-03-01T08:00:00"), transactionId: "7E163156-7762-4BEB-A1C6-729EA81755A7" };
    const first = ok(await create(body));
    const writes = graph.writeCount(calendarId);
    const retry = await create({ ...body, subject: "Call back (retry)" });
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ id: first.id, subject: "Call back", transactionId: body.transactionId });
    expect(graph.writeCount(calendarId)).toBe(writes + 1);
    const all = graph.user.events("anna@contoso.example", calendarId).filter((e) => e.transactionId === body.transactionId);
    expect(all).toHaveLength(1);
  });
});

describe("update and delete", () => {
  it("PATCH merges the given fields; foreign fields (attendees, categories) survive", async () => {
    const event = ok(await create({ ...meeting("Review", "2030-03-02T08:00:00"), location: { displayName: "Room 1" } }));
    graph.user.addAttendees("anna@contoso.example", event.id, "boss@contoso.example");
    graph.user.addCategories("anna@contoso.example", event.id, "Red category");
    const patched = ok(await anna.call("PATCH", `me/events/${event.id}`, { body: { subject: "Review (moved)" } }));
    expect(patched).toMatchObject({
      subject: "Review (moved)",
      categories: ["Red category"],
      attendees: [{ type: "required", emailAddress: { address: "boss@contoso.example" }, status: { response: "none" } }],
      location: { displayName: "Room 1" },
      locations: [{ displayName: "Room 1" }],
    });
    expect(patched.changeKey).not.toBe(event.changeKey);
  });

  it("If-Match with a stale etag or change key → 412 ErrorIrresolvableConflict; the current one passes", async () => {
    const event = ok(await create(meeting("Guarded", "2030-03-03T08:00:00")));
    const changed = graph.user.updateEvent("anna@contoso.example", event.id, { subject: "Changed in Outlook" });
    const stale = await anna.call("PATCH", `me/events/${event.id}`, { body: { subject: "Mine" }, headers: { "If-Match": event["@odata.etag"] } });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe("ErrorIrresolvableConflict");
    const staleKey = await anna.call("DELETE", `me/events/${event.id}`, { headers: { "If-Match": event.changeKey } });
    expect(staleKey.status).toBe(412);
    const fresh = await anna.call("PATCH", `me/events/${event.id}`, {
      body: { subject: "Mine" },
      headers: { "If-Match": changed["@odata.etag"] as string },
    });
    expect(fresh.status).toBe(200);
    expect((await anna.call("DELETE", `me/events/${event.id}`, { headers: { "If-Match": fresh.body["@odata.etag"] } })).status).toBe(204);
    expect((await anna.call("GET", `me/events/${event.id}`)).status).toBe(404);
  });

  it("answers 409 for a stale If-Match when configured so", async () => {
    const other = await startFakeGraph({ conflictStatus: 409 });
    try {
      const olga = await session(other, "olga@contoso.example");
      const event = ok(await olga.call("POST", "me/events", { body: meeting("x", "2030-03-03T08:00:00") }));
      other.user.updateEvent("olga@contoso.example", event.id, { subject: "y" });
      const stale = await olga.call("PATCH", `me/events/${event.id}`, { body: { subject: "z" }, headers: { "If-Match": event["@odata.etag"] } });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe("ErrorIrresolvableConflict");
    } finally {
      await other.close();
    }
  });

  it("a transactionId can't be changed", async () => {
    const event = ok(await create({ ...meeting("Fixed", "2030-03-04T08:00:00"), transactionId: "tx-fixed" }));
    expect((await anna.call("PATCH", `me/events/${event.id}`, { body: { transactionId: "tx-other" } })).status).toBe(400);
  });
});

describe("single-value extended properties", () => {
  it("are stored on create and patch, and come back only through $expand with their id", async () => {
    const event = ok(await create({ ...meeting("Task 7", "2030-03-05T08:00:00"), singleValueExtendedProperties: [{ id: TASK, value: "task-7" }] }));
    expect(event.singleValueExtendedProperties).toBeUndefined();
    expect(ok(await anna.call("GET", `me/events/${event.id}`)).singleValueExtendedProperties).toBeUndefined();
    const expand = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${TASK}')`)}`;
    expect(ok(await anna.call("GET", `me/events/${event.id}?${expand}`)).singleValueExtendedProperties).toEqual([{ id: TASK, value: "task-7" }]);
    // The property set's part of the id compares without regard to case, its name with.
    const shouted = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${TASK.replace("String", "STRING")}')`)}`;
    expect(ok(await anna.call("GET", `me/events/${event.id}?${shouted}`)).singleValueExtendedProperties).toHaveLength(1);
    const otherName = `$expand=${encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${TASK.replace("taskId", "TASKID")}')`)}`;
    expect(ok(await anna.call("GET", `me/events/${event.id}?${otherName}`)).singleValueExtendedProperties).toBeUndefined();

    ok(await anna.call("PATCH", `me/events/${event.id}`, { body: { singleValueExtendedProperties: [{ id: TASK, value: "task-8" }] } }));
    expect(ok(await anna.call("GET", `me/events/${event.id}?${expand}`)).singleValueExtendedProperties).toEqual([{ id: TASK, value: "task-8" }]);
  });

  it("find an event by property with $filter=singleValueExtendedProperties/any(…)", async () => {
    const event = ok(await create({ ...meeting("Task 9", "2030-03-06T08:00:00"), singleValueExtendedProperties: [{ id: TASK, value: "task-9" }] }));
    const filter = `$filter=${encodeURIComponent(`singleValueExtendedProperties/any(ep: ep/id eq '${TASK}' and ep/value eq 'task-9')`)}`;
    const found = ok(await anna.call("GET", `me/calendars/${calendarId}/events?${filter}`));
    expect(found.value.map((e: any) => e.id)).toEqual([event.id]);
  });
});

describe("invitations", () => {
  it("a meeting someone else organizes is the attendee's copy: isOrganizer false, the organizer named, no response yet", async () => {
    const organizer = { name: "Jan Kowalski", address: "jan@fabrikam.example" };
    const invitation = graph.user.receiveInvitation("anna@contoso.example", calendarId, meeting("Their meeting", "2030-03-08T08:00:00"), organizer);
    const read = ok(await anna.call("GET", `me/events/${invitation.id}`));
    expect(read).toMatchObject({ isOrganizer: false, organizer: { emailAddress: organizer }, responseStatus: { response: "notResponded" } });
    const own = ok(await create(meeting("Ours", "2030-03-08T10:00:00")));
    expect(own).toMatchObject({ isOrganizer: true, responseStatus: { response: "organizer" } });
  });
});

describe("immutable ids", () => {
  it("with Prefer IdType=ImmutableId the id survives a move to another calendar; the default id does not", async () => {
    const prefer = { Prefer: 'IdType="ImmutableId"' };
    const created = await create(meeting("Travelling", "2030-03-07T08:00:00"), prefer);
    const immutableId = created.body.id;
    const restId = ok(await anna.call("GET", `me/events/${immutableId}`)).id;
    expect(restId).not.toBe(immutableId);
    const other = ok(await anna.call("POST", "me/calendars", { body: { name: "Elsewhere" } }));
    graph.user.moveEvent("anna@contoso.example", restId, other.id);
    expect((await anna.call("GET", `me/events/${restId}`)).status).toBe(404);
    const moved = await anna.call("GET", `me/events/${immutableId}`, { headers: prefer });
    expect(moved.body).toMatchObject({ id: immutableId, subject: "Travelling" });
    expect(ok(await anna.call("GET", `me/events/${immutableId}`)).id).not.toBe(restId);
  });
});
