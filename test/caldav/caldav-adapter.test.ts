import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CalDavAdapterOptions, createCalDavAdapterFactory } from "../../adapters/caldav/index.js";
import type { CalendarAdapter, EventData, EventTime } from "../../adapters/types.js";
import { type RadicaleServer, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "./with-radicale.js";

const ics = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");

// What a phone's calendar app would write for Warsaw.
const WARSAW = [
  "BEGIN:VTIMEZONE",
  "TZID:Europe/Warsaw",
  "BEGIN:DAYLIGHT",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "DTSTART:19810329T020000",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
  "END:DAYLIGHT",
  "BEGIN:STANDARD",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "DTSTART:19961027T030000",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
  "END:STANDARD",
  "END:VTIMEZONE",
];

const meeting: EventData = {
  summary: "Oferta handlowa - (43/2013)",
  description: "Call the customer; bring the offer, v2\nSecond line",
  location: "Kraków, ul. Floriańska 1",
  start: { dateTime: "2025-03-30T09:30:00+02:00", timeZone: "Europe/Warsaw" },
  end: { dateTime: "2025-03-30T10:15:00+02:00", timeZone: "Europe/Warsaw" },
  privateProperties: { taskId: "Task-42", "note;x": "a,b;c\nd" },
};

const instant = (value: EventTime) => ("dateTime" in value ? Date.parse(value.dateTime) : NaN);

describeWithRadicale("CalDAV adapter against Radicale", () => {
  let radicale: RadicaleServer;
  beforeAll(async () => {
    radicale = await startRadicale();
  });
  afterAll(async () => {
    await radicale?.stop();
  });

  const adapterFor = (options: CalDavAdapterOptions = {}, user = radicale.users[0]) =>
    // Radicale listens on plain http on loopback.
    createCalDavAdapterFactory({ timeoutMs: 5_000, allowHttp: true, ...options })(radicale.credentials(user));

  async function freshCalendar(adapter: CalendarAdapter = adapterFor()): Promise<string> {
    return (await adapter.findOrCreateCalendar(`Calendar ${randomUUID()}`)).id;
  }

  /** The user's calendar app writing a resource directly. */
  async function putAsUser(calendarId: string, name: string, body: string): Promise<void> {
    const response = await radicale.request("PUT", `${calendarId}${name}`, {
      body,
      headers: { "Content-Type": "text/calendar" },
    });
    expect(response.status, await response.text()).toBeLessThan(300);
  }

  async function rawIcs(calendarId: string, eventId: string): Promise<string> {
    const response = await radicale.request("GET", `${calendarId}${eventId}.ics`);
    expect(response.status).toBe(200);
    return (await response.text()).replace(/\r\n[ \t]/g, "");
  }

  describe("calendars and account", () => {
    it("finds a calendar by display name and creates it only once", async () => {
      const adapter = adapterFor();
      const name = `Zlecenia ${randomUUID()}`;
      const first = await adapter.findOrCreateCalendar(name);
      const second = await adapterFor().findOrCreateCalendar(name);
      expect(first).toMatchObject({ name, created: true });
      expect(second).toEqual({ id: first.id, name, created: false });
    });

    it("finds a calendar the user made in another client", async () => {
      const response = await radicale.request("MKCALENDAR", "/alice/made-by-phone/", {
        body: `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Phone calendar</d:displayname></d:prop></d:set></c:mkcalendar>`,
      });
      expect(response.status).toBe(201);
      expect(await adapterFor().findOrCreateCalendar("Phone calendar")).toEqual({
        id: "/alice/made-by-phone/",
        name: "Phone calendar",
        created: false,
      });
    });

    it("identifies the account by its principal URL", async () => {
      expect(await adapterFor().accountId()).toBe(`${radicale.url}alice/`);
      expect(await adapterFor({}, radicale.users[1]).accountId()).toBe(`${radicale.url}bob/`);
    });
  });

  describe("events", () => {
    it("round-trips a timed event with its time zone, text and private properties", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      const { event, created } = await adapter.createEvent(calendarId, "task-1", meeting);
      expect(created).toBe(true);
      const read = await adapter.getEvent(calendarId, "task-1");
      // The resource is the server's text (which it may re-serialize): opaque, compared as the event it holds.
      expect(typeof read?.resource).toBe("string");
      expect({ ...read, resource: undefined }).toEqual({ ...event, resource: undefined });
      expect(read).toMatchObject({
        id: "task-1",
        summary: meeting.summary,
        description: meeting.description,
        location: meeting.location,
        privateProperties: meeting.privateProperties,
        start: { timeZone: "Europe/Warsaw" },
        end: { timeZone: "Europe/Warsaw" },
      });
      expect(instant(read!.start)).toBe(Date.parse("2025-03-30T07:30:00Z"));
      expect(instant(read!.end)).toBe(Date.parse("2025-03-30T08:15:00Z"));
      // Other clients see local Warsaw time with a zone definition.
      const raw = await rawIcs(calendarId, "task-1");
      expect(raw).toContain("UID:task-1");
      expect(raw).toContain("DTSTART;TZID=Europe/Warsaw:20250330T093000");
      expect(raw).toContain("BEGIN:VTIMEZONE");
    });

    it("round-trips all-day and UTC events", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await adapter.createEvent(calendarId, "all-day", { summary: "Holiday", start: { date: "2025-05-01" }, end: { date: "2025-05-03" } });
      await adapter.createEvent(calendarId, "utc", {
        summary: "Standup",
        start: { dateTime: "2025-06-02T08:00:00Z" },
        end: { dateTime: "2025-06-02T08:15:00Z" },
      });
      expect(await adapter.getEvent(calendarId, "all-day")).toMatchObject({ start: { date: "2025-05-01" }, end: { date: "2025-05-03" } });
      expect(await adapter.getEvent(calendarId, "utc")).toMatchObject({
        start: { dateTime: "2025-06-02T08:00:00Z" },
        end: { dateTime: "2025-06-02T08:15:00Z" },
      });
      expect(await rawIcs(calendarId, "all-day")).toContain("DTEND;VALUE=DATE:20250503");
    });

    it("R13: a repeated insert adopts the existing event", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      const first = await adapter.createEvent(calendarId, "task-2", meeting);
      const again = await adapter.createEvent(calendarId, "task-2", { ...meeting, summary: "retry" });
      expect(again).toEqual({ event: { ...first.event, resource: again.event.resource }, created: false });
      const listing = await adapter.listChanges(calendarId, {});
      expect(listing.events.map((e) => e.id)).toEqual(["task-2"]);
    });

    it("refuses to overwrite a change made elsewhere since the event was read", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      const { event } = await adapter.createEvent(calendarId, "task-3", meeting);
      const updated = await adapter.updateEvent(calendarId, "task-3", { ...meeting, summary: "moved" }, { etag: event.etag });
      expect(updated.summary).toBe("moved");
      expect(updated.etag).not.toBe(event.etag);

      await expect(adapter.updateEvent(calendarId, "task-3", meeting, { etag: event.etag })).rejects.toMatchObject({ code: "PreconditionFailed" });
      await expect(adapter.deleteEvent(calendarId, "task-3", event.etag)).rejects.toMatchObject({ code: "PreconditionFailed" });
      await expect(adapter.updateEvent(calendarId, "task-3", meeting, { etag: "" })).rejects.toMatchObject({ code: "Permanent" });
      expect((await adapter.getEvent(calendarId, "task-3"))?.summary).toBe("moved");

      await adapter.deleteEvent(calendarId, "task-3", updated.etag);
      expect(await adapter.getEvent(calendarId, "task-3")).toBeNull();
      await adapter.deleteEvent(calendarId, "task-3"); // already gone: fine
    });

    it("keeps what other clients added to an event when updating it", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await putAsUser(
        calendarId,
        "task-4.ics",
        ics(
          "BEGIN:VEVENT",
          "UID:task-4",
          "DTSTAMP:20250101T000000Z",
          "DTSTART:20250610T080000Z",
          "DTEND:20250610T090000Z",
          "SUMMARY:Visit",
          "CATEGORIES:Customers",
          "ATTENDEE;CN=Anna:mailto:anna@example.com",
          "X-PHONE-COLOR:#ff0000",
          "BEGIN:VALARM",
          "ACTION:DISPLAY",
          "DESCRIPTION:Reminder",
          "TRIGGER:-PT15M",
          "END:VALARM",
          "END:VEVENT",
        ),
      );
      const before = (await adapter.getEvent(calendarId, "task-4"))!;
      await adapter.updateEvent(calendarId, "task-4", { ...meeting, summary: "Visit (43/2013)" }, { etag: before.etag });
      const raw = await rawIcs(calendarId, "task-4");
      expect(raw).toContain("SUMMARY:Visit (43/2013)");
      for (const kept of ["CATEGORIES:Customers", "ATTENDEE;CN=Anna:mailto:anna@example.com", "X-PHONE-COLOR:#ff0000", "TRIGGER:-PT15M"]) {
        expect(raw).toContain(kept);
      }
    });
  });

  describe("change feed", () => {
    for (const syncStrategy of ["sync-collection", "etag-scan"] as const) {
      it(`reports events created, changed and deleted in other clients (${syncStrategy})`, async () => {
        const adapter = adapterFor({ syncStrategy });
        const calendarId = await freshCalendar(adapter);
        const mine = await adapter.createEvent(calendarId, "mine", meeting);
        await adapter.createEvent(calendarId, "doomed", meeting);
        const full = await adapter.listChanges(calendarId, {});
        expect(full.events.map((e) => e.id).sort()).toEqual(["doomed", "mine"]);
        expect(full.syncToken).toBeTruthy();

        const quiet = await adapter.listChanges(calendarId, { syncToken: full.syncToken });
        expect(quiet).toMatchObject({ events: [], deletedIds: [] });

        await putAsUser(
          calendarId,
          "5F3C-phone-event.ics",
          ics("BEGIN:VEVENT", "UID:phone-uid@example.com", "DTSTAMP:20250101T000000Z", "DTSTART;VALUE=DATE:20250704", "SUMMARY:Picnic", "END:VEVENT"),
        );
        const raw = await rawIcs(calendarId, "mine");
        await putAsUser(calendarId, "mine.ics", raw.replace(/SUMMARY:[^\r\n]*/, "SUMMARY:Renamed in phone"));
        expect((await radicale.request("DELETE", `${calendarId}doomed.ics`)).status).toBe(200);

        const changes = await adapter.listChanges(calendarId, { syncToken: quiet.syncToken });
        expect(changes.deletedIds).toEqual(["doomed"]);
        const byId = new Map(changes.events.map((e) => [e.id, e]));
        expect([...byId.keys()].sort()).toEqual(["5F3C-phone-event", "mine"]);
        expect(byId.get("mine")).toMatchObject({ summary: "Renamed in phone" });
        expect(byId.get("mine")!.etag).not.toBe(mine.event.etag);
        expect(byId.get("5F3C-phone-event")).toMatchObject({ summary: "Picnic", start: { date: "2025-07-04" }, end: { date: "2025-07-05" } });

        // The event from the phone can be written back through its id.
        const picnic = byId.get("5F3C-phone-event")!;
        await adapter.updateEvent(calendarId, picnic.id, { ...meeting, summary: "Picnic (44/2025)" }, { etag: picnic.etag });
        expect(await rawIcs(calendarId, picnic.id)).toContain("UID:phone-uid@example.com");

        const after = await adapter.listChanges(calendarId, { syncToken: changes.syncToken });
        expect(after.events.map((e) => e.summary)).toEqual(["Picnic (44/2025)"]);
      });
    }

    it("a page fetches at most pageSize resources; those held at their listed ETag ride along unfetched", async () => {
      const adapter = adapterFor({ pageSize: 2 });
      const calendarId = await freshCalendar(adapter);
      const { syncToken } = await adapter.listChanges(calendarId, {});
      const held = new Map<string, string>();
      for (let i = 0; i < 7; i++) {
        const { event } = await adapter.createEvent(calendarId, `ours-${i}`, meeting);
        held.set(event.id, event.etag!);
      }
      for (const name of ["theirs-a", "theirs-b", "theirs-c"]) {
        await putAsUser(
          calendarId,
          `${name}.ics`,
          ics("BEGIN:VEVENT", `UID:${name}`, "DTSTAMP:20250101T000000Z", "DTSTART;VALUE=DATE:20250704", `SUMMARY:${name}`, "END:VEVENT"),
        );
      }
      const knownEtags = async (ids: string[]) => new Map(ids.flatMap((id) => (held.has(id) ? [[id, held.get(id)!] as const] : [])));
      const pages = [];
      let pageToken: string | undefined;
      do {
        const page = await adapter.listChanges(calendarId, { syncToken, pageToken, knownEtags });
        pages.push(page);
        pageToken = page.nextPageToken;
      } while (pageToken);
      // Served in href order; a multiget answers in its own.
      expect(pages.map((page) => page.events.map((event) => event.id).sort())).toEqual([["theirs-a", "theirs-b"], ["theirs-c"]]);
      expect(pages.flatMap((page) => page.unchangedIds ?? []).sort()).toEqual([...held.keys()].sort());
      expect(pages.at(-1)!.syncToken).toBeTruthy();
    });

    it("R16: an unknown sync token asks for a fresh import", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await expect(adapter.listChanges(calendarId, { syncToken: `sync:http://radicale.org/ns/sync/${"0".repeat(64)}` })).rejects.toMatchObject({
        code: "SyncTokenExpired",
      });
      await expect(adapter.listChanges(calendarId, { syncToken: "etags:not-ours" })).rejects.toMatchObject({ code: "SyncTokenExpired" });
      await expect(adapter.listChanges(calendarId, { syncToken: "some-google-token" })).rejects.toMatchObject({ code: "SyncTokenExpired" });
    });

    it("R8: a full listing leaves out events that ended before the window", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await adapter.createEvent(calendarId, "old", { summary: "old", start: { date: "2024-01-10" }, end: { date: "2024-01-11" } });
      await adapter.createEvent(calendarId, "recent", meeting);
      const listing = await adapter.listChanges(calendarId, { windowStart: "2025-01-01T00:00:00+01:00" });
      expect(listing.events.map((e) => e.id)).toEqual(["recent"]);
    });
  });

  describe("recurring series", () => {
    const series = (...extra: string[]) =>
      ics(
        ...WARSAW,
        "BEGIN:VEVENT",
        "UID:weekly",
        "DTSTAMP:20250101T000000Z",
        "DTSTART;TZID=Europe/Warsaw:20250317T090000",
        "DTEND;TZID=Europe/Warsaw:20250317T093000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Europe/Warsaw:20250331T090000",
        "SUMMARY:Weekly review",
        "END:VEVENT",
        ...extra,
      );

    it("lists a series as its occurrences, across a DST change, with overrides and exclusions", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await putAsUser(
        calendarId,
        "weekly.ics",
        series(
          "BEGIN:VEVENT",
          "UID:weekly",
          "DTSTAMP:20250101T000000Z",
          "RECURRENCE-ID;TZID=Europe/Warsaw:20250324T090000",
          "DTSTART;TZID=Europe/Warsaw:20250324T140000",
          "DTEND;TZID=Europe/Warsaw:20250324T150000",
          "SUMMARY:Weekly review (moved)",
          "END:VEVENT",
        ),
      );
      const listing = await adapter.listChanges(calendarId, { windowStart: "2025-03-01T00:00:00Z" });
      const summary = listing.events.map((e) => [e.id, e.summary, e.start]);
      expect(summary).toEqual([
        ["weekly@20250317T080000Z", "Weekly review", { dateTime: "2025-03-17T09:00:00+01:00", timeZone: "Europe/Warsaw" }],
        ["weekly@20250324T080000Z", "Weekly review (moved)", { dateTime: "2025-03-24T14:00:00+01:00", timeZone: "Europe/Warsaw" }],
        ["weekly@20250407T070000Z", "Weekly review", { dateTime: "2025-04-07T09:00:00+02:00", timeZone: "Europe/Warsaw" }],
      ]);
      expect(listing.events[1]).toMatchObject({
        recurringEventId: "weekly",
        originalStart: { dateTime: "2025-03-24T09:00:00+01:00", timeZone: "Europe/Warsaw" },
      });
      expect(listing.deletedIds).toEqual(["weekly@20250331T070000Z"]);
    });

    it("writes a changed or deleted occurrence into its series", async () => {
      const adapter = adapterFor();
      const calendarId = await freshCalendar(adapter);
      await putAsUser(calendarId, "weekly.ics", series());
      const first = (await adapter.getEvent(calendarId, "weekly@20250317T080000Z"))!;
      expect(first).toMatchObject({ summary: "Weekly review", recurringEventId: "weekly" });

      const moved = await adapter.updateEvent(
        calendarId,
        first.id,
        {
          ...meeting,
          summary: "Review (12/2025)",
          start: { dateTime: "2025-03-18T10:00:00+01:00", timeZone: "Europe/Warsaw" },
          end: { dateTime: "2025-03-18T11:00:00+01:00", timeZone: "Europe/Warsaw" },
        },
        first,
      );
      expect(moved).toMatchObject({ id: first.id, summary: "Review (12/2025)", recurringEventId: "weekly" });
      await adapter.deleteEvent(calendarId, "weekly@20250407T070000Z", moved.etag);

      const raw = await rawIcs(calendarId, "weekly");
      expect(raw).toContain("RECURRENCE-ID;TZID=Europe/Warsaw:20250317T090000");
      expect(raw).toMatch(/EXDATE;TZID=Europe\/Warsaw:20250407T090000/);
      const listing = await adapter.listChanges(calendarId, { windowStart: "2025-03-01T00:00:00Z" });
      expect(listing.events.map((e) => [e.id, e.summary])).toEqual([
        ["weekly@20250317T080000Z", "Review (12/2025)"],
        ["weekly@20250324T080000Z", "Weekly review"],
      ]);
      expect(listing.deletedIds.sort()).toEqual(["weekly@20250331T070000Z", "weekly@20250407T070000Z"]);
    });
  });

  describe("errors", () => {
    it("reports rejected credentials as AuthRevoked without the password", async () => {
      const adapter = adapterFor({}, { username: "alice", password: "wrong-password-123" });
      const error = await adapter.accountId().catch((e: Error) => e);
      expect(error).toMatchObject({ code: "AuthRevoked", status: 401 });
      expect(String((error as Error).message)).not.toContain("wrong-password-123");
    });

    it("reports another user's calendar as a permanent permission problem", async () => {
      const calendarId = await freshCalendar();
      const bob = adapterFor({}, radicale.users[1]);
      await expect(bob.listChanges(calendarId, {})).rejects.toMatchObject({ code: "PermissionDenied", status: 403 });
    });

    it("reports an unreachable server as transient", async () => {
      const adapter = createCalDavAdapterFactory({ timeoutMs: 2_000, allowHttp: true })({
        serverUrl: "http://127.0.0.1:9/",
        username: "alice",
        password: "alice-secret-pw",
      });
      await expect(adapter.accountId()).rejects.toMatchObject({ code: "Transient", retryable: true });
    });
  });
});
