/**
 * `taskcal/provider/contract`: the one behaviour suite every calendar adapter
 * passes (as vdirsyncer runs one storage suite against every backend), the
 * built-in ones and an integrator's alike. A vitest file calls
 * `describeAdapterContract(name, makeHarness)`; the harness gives a fresh
 * adapter on an account of its own and a way to act as the calendar's owner
 * out of band. `npm run provider:test -- ./my-provider.js` runs it without a
 * test file of one's own (scripts/provider-test.ts). Needs vitest.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProviderDefinition } from "../provider.js";
import {
  type CalendarAdapter,
  type CalendarEvent,
  type EventData,
  type EventTime,
  NotFound,
  PreconditionFailed,
  SyncTokenExpired,
} from "../types.js";
import { drainChanges } from "./drain-changes.js";

export { type DrainedChanges, drainChanges } from "./drain-changes.js";

export interface ContractHarness {
  adapter: CalendarAdapter;
  /** Changes made as the calendar's owner in the provider's own UI. */
  user: {
    createCalendar(name: string): Promise<void>;
    /** Returns the id the provider gave the event. */
    createEvent(calendarId: string, data: EventData): Promise<string>;
    updateEvent(calendarId: string, eventId: string, changes: Partial<EventData>): Promise<void>;
    deleteEvent(calendarId: string, eventId: string): Promise<void>;
    /** A series recurring daily `count` times from `data`'s start; returns the series id. */
    createDailySeries(calendarId: string, data: EventData, count: number): Promise<string>;
    /** Invites a guest, as the owner would in the calendar's UI: something the adapter's caller does not own. */
    addGuest(calendarId: string, eventId: string, email: string): Promise<void>;
    /** The guests' e-mails the event has now. */
    guests(calendarId: string, eventId: string): Promise<string[]>;
  };
  /** Largest page the provider serves here (listings longer than this must page). */
  pageSize: number;
  /** Makes every sync token issued so far stale. Providers without a way to do so leave it out. */
  invalidateSyncTokens?(): Promise<void>;
  close(): Promise<void>;
}

/** What `npm run provider:test` passes a harness module's default export: the provider as taskcal loaded it. */
export interface HarnessContext {
  // biome-ignore lint/suspicious/noExplicitAny: the provider's own account and settings shapes
  definition: ProviderDefinition<any, any>;
  /** A silent logger, for ProviderContext. */
  logger: Logger;
}

/** A harness module's default export: a fresh harness (an account of its own) per test. */
export type HarnessFactory = (context: HarnessContext) => Promise<ContractHarness>;

const timed: EventData = {
  summary: "Oferta handlowa - (43/2030)",
  description: "Call the customer\nabout the offer",
  location: "Kraków, ul. Długa 1",
  start: { dateTime: "2030-05-06T09:30:00+02:00", timeZone: "Europe/Warsaw" },
  end: { dateTime: "2030-05-06T10:15:00+02:00", timeZone: "Europe/Warsaw" },
  privateProperties: { taskId: "4b7a0e7e-1f0c-4c55-9d55-1f0e6f0f0a01", origin: "crm" },
};

const allDay: EventData = {
  summary: "Trade fair",
  start: { date: "2030-06-10" },
  end: { date: "2030-06-12" }, // exclusive: the 10th and the 11th
};

function at(dateTime: string, timeZone = "Europe/Warsaw"): EventTime {
  return { dateTime, timeZone };
}

function event(summary: string, start: string, end: string): EventData {
  return { summary, start: at(start), end: at(end) };
}

/** Same moment, same zone, whatever the ISO spelling the provider chose. */
function expectSameTime(actual: EventTime, expected: EventTime): void {
  if ("date" in expected) {
    expect(actual).toEqual(expected);
    return;
  }
  expect("dateTime" in actual && Date.parse(actual.dateTime)).toBe(Date.parse(expected.dateTime));
  if (expected.timeZone) expect(actual).toMatchObject({ timeZone: expected.timeZone });
}

function expectEventData(actual: CalendarEvent | null, expected: EventData): void {
  expect(actual).not.toBeNull();
  expect(actual!.summary).toBe(expected.summary);
  expect(actual!.description ?? undefined).toBe(expected.description);
  expect(actual!.location ?? undefined).toBe(expected.location);
  expectSameTime(actual!.start, expected.start);
  expectSameTime(actual!.end, expected.end);
  if (expected.privateProperties) expect(actual!.privateProperties).toMatchObject(expected.privateProperties);
}

export function describeAdapterContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`${name} adapter contract`, () => {
    let h: ContractHarness;
    let adapter: CalendarAdapter;
    let calendarId: string;

    beforeEach(async () => {
      h = await makeHarness();
      adapter = h.adapter;
      calendarId = (await adapter.findOrCreateCalendar(`Tasks ${randomUUID().slice(0, 8)}`)).id;
    });
    afterEach(async () => {
      await h.close();
    });

    const newEventId = () => adapter.eventIdForTask(randomUUID(), calendarId);

    it("identifies its account the same way every time", async () => {
      const first = await adapter.accountId();
      expect(first).not.toBe("");
      expect(await adapter.accountId()).toBe(first);
    });

    it("R6: finds a calendar beyond the first page of the list and creates a missing one only once", async () => {
      const names = Array.from({ length: h.pageSize * 2 + 1 }, (_, i) => `Calendar ${i} ${randomUUID().slice(0, 6)}`);
      for (const calendarName of names) await h.user.createCalendar(calendarName);
      const last = await adapter.findOrCreateCalendar(names[names.length - 1]);
      expect(last).toMatchObject({ name: names[names.length - 1], created: false });

      const missing = `Brand new ${randomUUID().slice(0, 8)}`;
      const created = await adapter.findOrCreateCalendar(missing);
      expect(created.created).toBe(true);
      const again = await adapter.findOrCreateCalendar(missing);
      expect(again).toMatchObject({ id: created.id, name: missing, created: false });
    });

    it("R13: event ids derived from one task are equal, from two tasks differ", () => {
      const taskId = randomUUID();
      expect(adapter.eventIdForTask(taskId, calendarId)).toBe(adapter.eventIdForTask(taskId, calendarId));
      expect(adapter.eventIdForTask(taskId, calendarId)).not.toBe(adapter.eventIdForTask(randomUUID(), calendarId));
    });

    /** A new event of ours: the id it was created under (a creation key where the provider assigns ids) and the id it has. */
    const created = async (data: EventData) => {
      const key = newEventId();
      const { event } = await adapter.createEvent(calendarId, key, data);
      return { key, id: event.id, event };
    };

    it("R9: a timed event round-trips: create, get, update, delete", async () => {
      const key = newEventId();
      const { event: made, created: isNew } = await adapter.createEvent(calendarId, key, timed);
      expect(isNew).toBe(true);
      // The id asked for, unless the provider assigns its own (then the key still finds the event).
      if (!adapter.assignsEventIds) expect(made.id).toBe(key);
      const id = made.id;
      expectEventData(made, timed);
      expectEventData(await adapter.getEvent(calendarId, id), timed);
      expectEventData(await adapter.getEvent(calendarId, key), timed);

      const changed: EventData = {
        ...timed,
        summary: "Moved meeting",
        location: "Online",
        start: at("2030-05-07T14:00:00+02:00"),
        end: at("2030-05-07T15:00:00+02:00"),
        privateProperties: { ...timed.privateProperties, revision: "2" },
      };
      const updated = await adapter.updateEvent(calendarId, id, changed, made);
      expect(updated.id).toBe(id);
      expect(updated.etag).not.toBe(made.etag);
      expectEventData(updated, changed);
      expectEventData(await adapter.getEvent(calendarId, id), changed);

      await adapter.deleteEvent(calendarId, id, updated.etag);
      expect(await adapter.getEvent(calendarId, id)).toBeNull();
      expect(await adapter.getEvent(calendarId, key)).toBeNull();
    });

    it("R9: an all-day event round-trips with its exclusive end date", async () => {
      const { id } = await created(allDay);
      const fetched = await adapter.getEvent(calendarId, id);
      expectEventData(fetched, allDay);
      const longer = { ...allDay, end: { date: "2030-06-13" } };
      expectEventData(await adapter.updateEvent(calendarId, id, longer, { etag: fetched!.etag }), longer);
    });

    it("R13: a repeated create adopts the existing event as it is", async () => {
      const first = await created(timed);
      await h.user.updateEvent(calendarId, first.id, { summary: "Renamed by the user" });
      const second = await adapter.createEvent(calendarId, first.key, { ...timed, summary: "Retry of the insert" });
      expect(second.created).toBe(false);
      expect(second.event.id).toBe(first.id);
      expect(second.event.summary).toBe("Renamed by the user");
      const { events } = await drainChanges(adapter, calendarId, {});
      expect(events.filter((e) => e.id === first.id)).toHaveLength(1);
      expect(events).toHaveLength(1);
    });

    it("R13: creating under the id of a deleted event brings it back with the new data", async () => {
      const { key, id, event } = await created(timed);
      await adapter.deleteEvent(calendarId, id, event.etag);
      const revived = await adapter.createEvent(calendarId, key, { ...timed, summary: "Back again" });
      expect(revived.event.summary).toBe("Back again");
      expect((await adapter.getEvent(calendarId, revived.event.id))?.summary).toBe("Back again");
      expect((await adapter.getEvent(calendarId, key))?.summary).toBe("Back again");
    });

    it("R12: an update or delete with an etag the user has outdated fails with PreconditionFailed", async () => {
      const { id, event } = await created(timed);
      await h.user.updateEvent(calendarId, id, { summary: "User's change" });
      await expect(adapter.updateEvent(calendarId, id, { ...timed, summary: "Ours" }, event)).rejects.toBeInstanceOf(PreconditionFailed);
      await expect(adapter.updateEvent(calendarId, id, { ...timed, summary: "Ours" }, { etag: event.etag })).rejects.toBeInstanceOf(
        PreconditionFailed,
      );
      await expect(adapter.deleteEvent(calendarId, id, event.etag)).rejects.toBeInstanceOf(PreconditionFailed);
      expect((await adapter.getEvent(calendarId, id))?.summary).toBe("User's change");
    });

    it("R18: an update from the event as last read keeps what the user added (a guest) and the location it does not own", async () => {
      const { id } = await created(timed);
      await h.user.addGuest(calendarId, id, "guest@example.com");
      const read = (await adapter.getEvent(calendarId, id))!;
      const { location: _notOurs, ...owned } = timed;
      const updated = await adapter.updateEvent(calendarId, id, { ...owned, summary: "Renamed by taskcal" }, read);
      expect(updated.summary).toBe("Renamed by taskcal");
      expect(await h.user.guests(calendarId, id)).toEqual(["guest@example.com"]);
      expect((await adapter.getEvent(calendarId, id))?.location).toBe(timed.location);
    });

    it("R18: an update that knows only the etag reads the event first, and keeps the guest too", async () => {
      const { id } = await created(timed);
      await h.user.addGuest(calendarId, id, "guest@example.com");
      const { etag } = (await adapter.getEvent(calendarId, id))!;
      await adapter.updateEvent(calendarId, id, { ...timed, summary: "Renamed again" }, { etag });
      expect(await h.user.guests(calendarId, id)).toEqual(["guest@example.com"]);
    });

    it("R11/R18: where the provider moves events, a move keeps the event whole under its id and the source reports it gone", async (test) => {
      if (!adapter.moveEvent) return test.skip();
      const target = (await adapter.findOrCreateCalendar(`Target ${randomUUID().slice(0, 8)}`)).id;
      const { id } = await created(timed);
      await h.user.addGuest(calendarId, id, "guest@example.com");
      const { syncToken } = await drainChanges(adapter, calendarId, {});
      const moved = await adapter.moveEvent(calendarId, id, target);
      expect(moved.id).toBe(id);
      expectEventData(await adapter.getEvent(target, id), timed);
      expect(await h.user.guests(target, id)).toEqual(["guest@example.com"]);
      expect(await adapter.getEvent(calendarId, id)).toBeNull();
      expect((await drainChanges(adapter, calendarId, { syncToken })).deletedIds).toContain(id);
    });

    it("R11: deleting an event that is already gone, or never was, succeeds", async () => {
      const { id } = await created(timed);
      await h.user.deleteEvent(calendarId, id);
      await expect(adapter.deleteEvent(calendarId, id)).resolves.toBeUndefined();
      await expect(adapter.deleteEvent(calendarId, newEventId())).resolves.toBeUndefined();
    });

    it("getting an unknown event gives null", async () => {
      expect(await adapter.getEvent(calendarId, newEventId())).toBeNull();
    });

    it("R8: a full listing leaves out events that ended before the window start", async () => {
      const old = await h.user.createEvent(calendarId, event("Old", "2030-01-10T09:00:00+01:00", "2030-01-10T10:00:00+01:00"));
      const spanning = await h.user.createEvent(calendarId, event("Spanning", "2030-01-31T23:00:00+01:00", "2030-02-01T02:00:00+01:00"));
      const later = await h.user.createEvent(calendarId, event("Later", "2030-03-10T09:00:00+01:00", "2030-03-10T10:00:00+01:00"));
      const { events } = await drainChanges(adapter, calendarId, { windowStart: "2030-01-31T23:00:00Z" });
      const ids = events.map((e) => e.id);
      expect(ids).toContain(spanning);
      expect(ids).toContain(later);
      expect(ids).not.toContain(old);
    });

    it("R14: an incremental listing reports the user's creates, updates and deletes, then nothing", async () => {
      const kept = await h.user.createEvent(calendarId, event("Kept", "2030-04-01T09:00:00+02:00", "2030-04-01T10:00:00+02:00"));
      const doomed = await h.user.createEvent(calendarId, event("Doomed", "2030-04-02T09:00:00+02:00", "2030-04-02T10:00:00+02:00"));
      const full = await drainChanges(adapter, calendarId, {});
      expect(full.events.map((e) => e.id).sort()).toEqual([kept, doomed].sort());

      const added = await h.user.createEvent(calendarId, event("Added", "2030-04-03T09:00:00+02:00", "2030-04-03T10:00:00+02:00"));
      await h.user.updateEvent(calendarId, kept, { summary: "Kept, renamed" });
      await h.user.deleteEvent(calendarId, doomed);

      const changes = await drainChanges(adapter, calendarId, { syncToken: full.syncToken });
      expect(changes.events.map((e) => e.id).sort()).toEqual([added, kept].sort());
      expect(changes.events.find((e) => e.id === kept)?.summary).toBe("Kept, renamed");
      expect(changes.deletedIds).toEqual([doomed]);

      const quiet = await drainChanges(adapter, calendarId, { syncToken: changes.syncToken });
      expect(quiet.events).toEqual([]);
      expect(quiet.deletedIds).toEqual([]);
    });

    it("an event listed at the etag the caller holds (knownEtags) is listed or named unchanged, never lost; a changed one is listed", async () => {
      const held = await h.user.createEvent(calendarId, event("Held", "2030-04-05T09:00:00+02:00", "2030-04-05T10:00:00+02:00"));
      const edited = await h.user.createEvent(calendarId, event("Edited", "2030-04-06T09:00:00+02:00", "2030-04-06T10:00:00+02:00"));
      const full = await drainChanges(adapter, calendarId, {});
      const etags = new Map(full.events.map((e) => [e.id, e.etag]));
      await h.user.updateEvent(calendarId, edited, { summary: "Edited again" });
      const asked: string[] = [];
      const knownEtags = async (ids: string[]) => {
        asked.push(...ids);
        return new Map(ids.flatMap((id) => (etags.has(id) ? [[id, etags.get(id)!] as const] : [])));
      };
      const listed = new Set<string>();
      const unchanged = new Set<string>();
      let pageToken: string | undefined;
      do {
        const page = await adapter.listChanges(calendarId, { knownEtags, pageToken });
        for (const e of page.events) listed.add(e.id);
        for (const id of page.unchangedIds ?? []) unchanged.add(id);
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(listed.has(held) || unchanged.has(held)).toBe(true);
      expect(listed.has(edited)).toBe(true);
      expect(unchanged.has(edited)).toBe(false);
      // Only ids the caller was asked about can be named unchanged.
      for (const id of unchanged) expect(asked).toContain(id);
    });

    it("pages a long listing and every event arrives once", async () => {
      const count = h.pageSize * 2 + 1;
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        const day = String(1 + (i % 28)).padStart(2, "0");
        ids.push(await h.user.createEvent(calendarId, event(`Event ${i}`, `2030-07-${day}T08:00:00+02:00`, `2030-07-${day}T09:00:00+02:00`)));
      }
      const seen: string[] = [];
      let pages = 0;
      let pageToken: string | undefined;
      for (;;) {
        const page = await adapter.listChanges(calendarId, { pageToken });
        pages++;
        expect(page.events.length).toBeLessThanOrEqual(h.pageSize);
        seen.push(...page.events.map((e) => e.id));
        if (!page.nextPageToken) {
          expect(page.syncToken).toBeTruthy();
          break;
        }
        expect(page.syncToken).toBeUndefined();
        pageToken = page.nextPageToken;
      }
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(seen.sort()).toEqual(ids.sort());
    });

    it("R16: an invalidated sync token fails with SyncTokenExpired, and a full listing recovers", async (context) => {
      if (!h.invalidateSyncTokens) return context.skip();
      await h.user.createEvent(calendarId, event("Before", "2030-04-01T09:00:00+02:00", "2030-04-01T10:00:00+02:00"));
      const { syncToken } = await drainChanges(adapter, calendarId, {});
      await h.invalidateSyncTokens();
      await expect(adapter.listChanges(calendarId, { syncToken })).rejects.toBeInstanceOf(SyncTokenExpired);
      const again = await drainChanges(adapter, calendarId, {});
      expect(again.events.map((e) => e.summary)).toEqual(["Before"]);
    });

    it("R8: a window moved back since the last listing: the incremental listing goes on or says SyncTokenExpired, and a full one shows the older event", async () => {
      const older = await h.user.createEvent(calendarId, event("Older", "2030-02-01T09:00:00+01:00", "2030-02-01T10:00:00+01:00"));
      const { syncToken } = await drainChanges(adapter, calendarId, { windowStart: "2030-03-01T00:00:00Z" });
      const moved = { syncToken, windowStart: "2030-01-01T00:00:00Z" };
      const next = await drainChanges(adapter, calendarId, moved).catch((error: unknown) => error);
      if (next instanceof Error) expect(next).toBeInstanceOf(SyncTokenExpired);
      const full = await drainChanges(adapter, calendarId, { windowStart: moved.windowStart });
      expect(full.events.map((e) => e.id)).toContain(older);
    });

    it("R10: a recurring series is listed as its occurrences", async () => {
      const seriesId = await h.user.createDailySeries(
        calendarId,
        event("Daily stand-up", "2030-09-02T09:00:00+02:00", "2030-09-02T09:15:00+02:00"),
        3,
      );
      const { events } = await drainChanges(adapter, calendarId, {});
      const occurrences = events.filter((e) => e.recurringEventId === seriesId);
      expect(occurrences).toHaveLength(3);
      expect(new Set(occurrences.map((e) => e.id)).size).toBe(3);
      const starts = occurrences.map((e) => ("dateTime" in e.start ? Date.parse(e.start.dateTime) : 0)).sort();
      expect(starts).toEqual([0, 1, 2].map((day) => Date.parse("2030-09-02T09:00:00+02:00") + day * 86_400_000));
      for (const occurrence of occurrences) {
        expect(occurrence.originalStart).toBeDefined();
        expect(occurrence.summary).toBe("Daily stand-up");
      }
    });

    it("an update of an event that never existed fails (NotFound, or PreconditionFailed where the protocol says so)", async () => {
      const error = await adapter.updateEvent(calendarId, newEventId(), timed, { etag: '"1"' }).catch((e: unknown) => e);
      expect([NotFound, PreconditionFailed].some((type) => error instanceof type)).toBe(true);
    });
  });
}
