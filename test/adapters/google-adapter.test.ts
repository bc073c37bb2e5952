import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainChanges } from "../../adapters/contract/drain-changes.js";
import type { CalendarAdapter, EventData } from "../../adapters/types.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { type GoogleTestAccount, googleAccount } from "./google-harness.js";

let google: FakeGoogle;
let account: GoogleTestAccount;
let adapter: CalendarAdapter;
let calendarId: string;

const data: EventData = {
  summary: "Client visit - (7/2030)",
  start: { dateTime: "2030-02-03T10:00:00+01:00", timeZone: "Europe/Warsaw" },
  end: { dateTime: "2030-02-03T11:00:00+01:00", timeZone: "Europe/Warsaw" },
  privateProperties: { taskId: "0b6c3c39-5e5d-4a8e-8d0f-8d1c6f1d2a11" },
};

beforeAll(async () => {
  google = await startFakeGoogle({ quota: { limit: 1_000_000, windowMs: 60_000 } });
});
afterAll(async () => {
  await google.close();
});
beforeEach(async () => {
  account = googleAccount(google);
  adapter = account.adapter;
  calendarId = (await adapter.findOrCreateCalendar("CRM")).id;
});

describe("Google adapter specifics", () => {
  it("the account id is the primary calendar's id, the account's e-mail", async () => {
    expect(await adapter.accountId()).toBe(account.email);
  });

  it("R13: an insert answered 409 adopts the event already there, without writing over it", async () => {
    const id = adapter.eventIdForTask(randomUUID(), calendarId);
    // An earlier insert got through but its answer was lost; the user has renamed it since.
    google.user.createEvent(account.email, calendarId, { id, summary: "Renamed in Google", start: data.start, end: data.end });
    const writesBefore = google.writeCount(calendarId);
    const result = await adapter.createEvent(calendarId, id, data);
    expect(result).toMatchObject({ created: false, event: { id, summary: "Renamed in Google" } });
    expect(google.writeCount(calendarId) - writesBefore).toBe(1);
    expect(google.user.getEvent(account.email, calendarId, id)?.summary).toBe("Renamed in Google");
  });

  it("R13: an insert under the id of a cancelled event revives it with the new data", async () => {
    const id = adapter.eventIdForTask(randomUUID(), calendarId);
    await adapter.createEvent(calendarId, id, data);
    google.user.deleteEvent(account.email, calendarId, id);
    const { syncToken } = await drainChanges(adapter, calendarId, {});
    const result = await adapter.createEvent(calendarId, id, { ...data, summary: "Restored" });
    expect(result.created).toBe(true);
    expect(google.user.getEvent(account.email, calendarId, id)).toMatchObject({ status: "confirmed", summary: "Restored" });
    const changes = await drainChanges(adapter, calendarId, { syncToken });
    expect(changes.events.map((e) => e.id)).toEqual([id]);
  });

  it("R9: private properties travel in extendedProperties.private", async () => {
    const id = adapter.eventIdForTask(randomUUID(), calendarId);
    await adapter.createEvent(calendarId, id, data);
    expect(google.user.getEvent(account.email, calendarId, id)?.extendedProperties).toEqual({ private: data.privateProperties });
  });

  it("full and incremental listings send the same singleEvents/showDeleted, and nothing else beside the sync token", async () => {
    const since = google.callLog.length;
    const { syncToken } = await drainChanges(adapter, calendarId, { windowStart: "2030-01-01T00:00:00Z" });
    await drainChanges(adapter, calendarId, { syncToken });
    const [full, incremental] = google.callLog
      .slice(since)
      .filter((c) => c.path.endsWith("/events"))
      .map((c) => c.query);
    expect(full).toMatchObject({ singleEvents: "true", showDeleted: "true", timeMin: "2030-01-01T00:00:00Z" });
    expect(incremental).toMatchObject({ singleEvents: "true", showDeleted: "true", syncToken });
    expect(Object.keys(incremental).sort()).toEqual(["fields", "maxResults", "showDeleted", "singleEvents", "syncToken"]);
  });

  it("a listing asks for the page's tokens and events only, not the calendar's own fields", async () => {
    const since = google.callLog.length;
    await drainChanges(adapter, calendarId, {});
    const [listing] = google.callLog.slice(since).filter((c) => c.path.endsWith("/events"));
    expect(listing.query.fields).toBe("nextPageToken,nextSyncToken,items");
  });

  it("R10: a weekly series with BYDAY comes as instances with Google's ids", async () => {
    const series = google.user.createEvent(account.email, calendarId, {
      summary: "Review",
      start: { dateTime: "2030-03-04T09:00:00+01:00", timeZone: "Europe/Warsaw" },
      end: { dateTime: "2030-03-04T09:30:00+01:00", timeZone: "Europe/Warsaw" },
      recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20300315T000000Z"],
    });
    const { events } = await drainChanges(adapter, calendarId, {});
    expect(events.map((e) => e.id).sort()).toEqual(
      ["20300304T080000Z", "20300307T080000Z", "20300311T080000Z", "20300314T080000Z"].map((s) => `${series.id}_${s}`),
    );
    expect(events[0]).toMatchObject({ recurringEventId: series.id, originalStart: { timeZone: "Europe/Warsaw" } });
  });
});

describe("push channels", () => {
  let receiver: Server;
  let address: string;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    address = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/google`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 100 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(condition()).toBe(true);
  };

  it("R17: a watched calendar notifies on every change until the channel is stopped", async () => {
    received.length = 0;
    const channelId = randomUUID();
    const channel = await adapter.watch!(calendarId, { channelId, address, token: "shared-secret", ttlSeconds: 3600 });
    expect(channel.channelId).toBe(channelId);
    expect(Date.parse(channel.expiresAt!) - Date.now()).toBeGreaterThan(3_500_000);
    await until(() => received.length === 1);
    expect(received[0]).toMatchObject({
      "x-goog-channel-id": channelId,
      "x-goog-channel-token": "shared-secret",
      "x-goog-resource-id": channel.resourceId,
      "x-goog-resource-state": "sync",
    });

    google.user.createEvent(account.email, calendarId, { summary: "New", start: data.start, end: data.end });
    await until(() => received.length === 2);
    expect(received[1]).toMatchObject({ "x-goog-resource-state": "exists", "x-goog-message-number": "2" });

    await adapter.stopWatch!(channel);
    google.user.createEvent(account.email, calendarId, { summary: "Unheard", start: data.start, end: data.end });
    expect(google.notifications.filter((n) => n.channelId === channelId)).toHaveLength(2);
    await expect(adapter.stopWatch!(channel)).resolves.toBeUndefined();
  });
});
