// The adapter contract against a real Radicale. The "user" writes iCalendar
// over plain HTTP, as a phone's calendar app would: never through the adapter.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { createCalDavAdapterFactory } from "../../adapters/caldav/index.js";
import { describeAdapterContract } from "../../adapters/contract/suite.js";
import type { EventData, EventTime } from "../../adapters/types.js";
import { type RadicaleServer, type RadicaleUser, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "../caldav/with-radicale.js";

const PAGE_SIZE = 5;

const escapeText = (value: string) => value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\n/g, "\\n");

/** DTSTART/DTEND lines; instants are written in UTC, dates as VALUE=DATE. */
function timeLine(name: string, time: EventTime): string {
  if ("date" in time) return `${name};VALUE=DATE:${time.date.replace(/-/g, "")}`;
  return `${name}:${new Date(time.dateTime).toISOString().replace(/[-:]|\.\d{3}/g, "")}`;
}

function lines(data: Partial<EventData>): string[] {
  return [
    ...(data.summary !== undefined ? [`SUMMARY:${escapeText(data.summary)}`] : []),
    ...(data.description !== undefined ? [`DESCRIPTION:${escapeText(data.description)}`] : []),
    ...(data.location !== undefined ? [`LOCATION:${escapeText(data.location)}`] : []),
    ...(data.start ? [timeLine("DTSTART", data.start)] : []),
    ...(data.end ? [timeLine("DTEND", data.end)] : []),
  ];
}

function calendarOf(uid: string, data: EventData, extra: string[] = []): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//phone//EN",
    "BEGIN:VEVENT",
    `UID:${uid}`,
    "DTSTAMP:20250101T000000Z",
    ...lines(data),
    ...extra,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

describeWithRadicale("CalDAV (Radicale)", () => {
  let radicale: RadicaleServer;
  beforeAll(async () => {
    radicale = await startRadicale();
  });
  afterAll(async () => {
    await radicale?.stop();
  });

  async function send(user: RadicaleUser, method: string, path: string, body?: string, depth?: string): Promise<Response> {
    const headers: Record<string, string> = body ? { "Content-Type": "text/calendar; charset=utf-8" } : {};
    if (depth) headers.Depth = depth;
    const response = await radicale.request(method, path, { user, body, headers });
    expect(response.status, `${method} ${path}: ${await response.clone().text()}`).toBeLessThan(300);
    return response;
  }

  describeAdapterContract("caldav", async () => {
    const user = await radicale.addUser();
    const put = (calendarId: string, id: string, ics: string) => send(user, "PUT", `${calendarId}${id}.ics`, ics);
    /** The resource's content lines, folding undone. */
    const unfolded = async (calendarId: string, id: string) =>
      (await (await send(user, "GET", `${calendarId}${id}.ics`)).text()).replace(/\r\n[ \t]/g, "").split("\r\n");
    return {
      // Radicale listens on plain http on loopback.
      adapter: createCalDavAdapterFactory({ pageSize: PAGE_SIZE, timeoutMs: 5_000, allowHttp: true })(radicale.credentials(user)),
      pageSize: PAGE_SIZE,
      user: {
        createCalendar: async (name) => {
          const body = `<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>${name}</d:displayname></d:prop></d:set></c:mkcalendar>`;
          await send(user, "MKCALENDAR", `/${user.username}/${randomUUID()}/`, body);
        },
        createEvent: async (calendarId, data) => {
          const id = randomUUID().toUpperCase(); // phones name resources after their own UIDs
          await put(calendarId, id, calendarOf(id, data));
          return id;
        },
        updateEvent: async (calendarId, eventId, changes) => {
          const changed = lines(changes);
          const names = new Set(changed.map((line) => line.split(/[;:]/)[0]));
          const kept = (await unfolded(calendarId, eventId)).filter((line) => !names.has(line.split(/[;:]/)[0]));
          kept.splice(kept.indexOf("END:VEVENT"), 0, ...changed);
          await put(calendarId, eventId, kept.join("\r\n"));
        },
        addGuest: async (calendarId, eventId, guest) => {
          const kept = await unfolded(calendarId, eventId);
          kept.splice(kept.indexOf("END:VEVENT"), 0, `ATTENDEE;CN=Guest:mailto:${guest}`);
          await put(calendarId, eventId, kept.join("\r\n"));
        },
        guests: async (calendarId, eventId) =>
          (await unfolded(calendarId, eventId)).filter((line) => line.startsWith("ATTENDEE")).map((line) => line.replace(/^.*mailto:/i, "")),
        deleteEvent: async (calendarId, eventId) => void (await send(user, "DELETE", `${calendarId}${eventId}.ics`)),
        createDailySeries: async (calendarId, data, count) => {
          const id = randomUUID().toUpperCase();
          await put(calendarId, id, calendarOf(id, data, [`RRULE:FREQ=DAILY;COUNT=${count}`]));
          return id;
        },
      },
      invalidateSyncTokens: async () => {
        // Radicale's token is a digest of the collection's state: an unchanged
        // collection honours it (and a PROPFIND of sync-token writes its state
        // back), so each calendar changes first, then the stored states go.
        const listing = await (await send(user, "PROPFIND", `/${user.username}/`, undefined, "1")).text();
        const calendars = [...listing.matchAll(/<href>([^<]+\/)<\/href>/g)].map((m) => m[1]).filter((href) => href !== `/${user.username}/`);
        for (const calendarId of calendars) {
          await put(calendarId, "touch", calendarOf("touch", { summary: "touch", start: { date: "2030-01-01" }, end: { date: "2030-01-02" } }));
          await send(user, "DELETE", `${calendarId}touch.ics`);
        }
        await radicale.forgetSyncTokens();
      },
      close: async () => {},
    };
  });
});
