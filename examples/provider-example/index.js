// @ts-check
// An example calendar provider, written as an integrator's would be: outside
// taskcal's code, against `taskcal/provider` alone (types only; at run time
// everything comes with the kit taskcal passes). Its calendars live in one
// JSON file per account (store.js). Load it with
//   TASKCAL_PROVIDERS=./examples/provider-example/index.js
// and give an operator `{"provider": "example-json", "account": {"file": "/srv/calendars/anna.json"}}`.
import { createHash } from "node:crypto";
import { isAbsolute } from "node:path";
import { JsonCalendarStore } from "./store.js";

/** @typedef {import("taskcal/provider").ProviderKit} ProviderKit */
/** @typedef {import("taskcal/provider").CalendarAdapter} CalendarAdapter */
/** @typedef {import("taskcal/provider").CalendarEvent} CalendarEvent */
/** @typedef {import("taskcal/provider").ChangePage} ChangePage */
/** @typedef {import("taskcal/provider").ChangeQuery} ChangeQuery */
/** @typedef {import("taskcal/provider").EventData} EventData */
/** @typedef {import("./store.js").StoredEvent} StoredEvent */

const PAGE_SIZE = 50;

/** @param {EventData["end"]} end */
const endMillis = (end) => Date.parse("date" in end ? `${end.date}T00:00:00Z` : end.dateTime);

/** @param {StoredEvent} stored @returns {CalendarEvent} */
function toEvent(stored) {
  return {
    ...stored.data,
    id: stored.id,
    etag: String(stored.sequence),
    updated: stored.updated,
    ...(stored.recurringEventId ? { recurringEventId: stored.recurringEventId, originalStart: stored.originalStart } : {}),
  };
}

/** @param {ProviderKit} kit */
export default function exampleProvider(kit) {
  const { z, errors } = kit;

  /** @implements {CalendarAdapter} */
  class JsonFileAdapter {
    provider = "example-json";

    /** @param {JsonCalendarStore} store */
    constructor(store) {
      this.store = store;
    }

    async accountId() {
      return this.store.account();
    }

    /** @param {string} name */
    async findOrCreateCalendar(name) {
      const found = this.store.read().calendars.find((c) => c.name === name);
      if (found) return { id: found.id, name, created: false };
      return { id: this.store.createCalendar(name).id, name, created: true };
    }

    /** Derived from the task and the calendar, so a repeated create finds its first attempt. @param {string} taskId @param {string} calendarId */
    eventIdForTask(taskId, calendarId) {
      return createHash("sha256").update(`${taskId}\n${calendarId}`).digest("hex").slice(0, 40);
    }

    /** @param {string} calendarId @param {ChangeQuery} query @returns {Promise<ChangePage>} */
    async listChanges(calendarId, query) {
      const store = this.store.read();
      if (!store.calendars.some((c) => c.id === calendarId)) throw new errors.NotFound(`calendar ${calendarId} does not exist`, 404);
      // A page token carries the listing's bounds: changes after `upto` wait for the next listing.
      const page = query.pageToken ? JSON.parse(Buffer.from(query.pageToken, "base64url").toString()) : null;
      const since = page ? page.since : query.syncToken === undefined ? null : Number(query.syncToken);
      if (since !== null && !(since >= store.expiredBefore)) throw new errors.SyncTokenExpired("the sync token has expired", 410);
      const upto = page ? page.upto : store.sequence;
      const windowStart = query.windowStart ? Date.parse(query.windowStart) : Number.NEGATIVE_INFINITY;
      const matching = store.events
        .filter((e) => e.calendarId === calendarId && e.sequence <= upto && (page?.after === undefined || e.id > page.after))
        .filter((e) => (since === null ? !e.deleted && endMillis(e.data.end) > windowStart : e.sequence > since))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      const items = matching.slice(0, PAGE_SIZE);
      const more = matching.length > PAGE_SIZE;
      return {
        events: items.filter((e) => !e.deleted).map(toEvent),
        deletedIds: items.filter((e) => e.deleted).map((e) => e.id),
        ...(more
          ? { nextPageToken: Buffer.from(JSON.stringify({ since, upto, after: items[items.length - 1].id })).toString("base64url") }
          : { syncToken: String(upto) }),
      };
    }

    /** @param {string} calendarId @param {string} eventId */
    async getEvent(calendarId, eventId) {
      const stored = this.store.event(calendarId, eventId);
      return stored ? toEvent(stored) : null;
    }

    /** @param {string} calendarId @param {string} eventId @param {EventData} data */
    async createEvent(calendarId, eventId, data) {
      const existing = this.store.event(calendarId, eventId);
      if (existing) return { event: toEvent(existing), created: false };
      // A deleted event's id is revived with the new data; what the user had added to it is gone with it.
      return { event: toEvent(this.store.put(calendarId, eventId, () => ({ data, extra: {} }))), created: true };
    }

    /** @param {string} calendarId @param {string} eventId @param {EventData} data @param {{ etag: string }} base */
    async updateEvent(calendarId, eventId, data, base) {
      const stored = this.store.put(calendarId, eventId, (current) => {
        if (!current || current.deleted) throw new errors.NotFound(`event ${eventId} does not exist`, 404);
        if (String(current.sequence) !== base.etag) throw new errors.PreconditionFailed(`event ${eventId} changed since it was read`, 412);
        // Only what taskcal owns changes: a location it does not write, the user's extras and other private properties stay.
        return {
          ...current,
          data: {
            ...data,
            location: data.location ?? current.data.location,
            privateProperties: { ...current.data.privateProperties, ...data.privateProperties },
          },
        };
      });
      return toEvent(stored);
    }

    /** @param {string} calendarId @param {string} eventId @param {string} [etag] */
    async deleteEvent(calendarId, eventId, etag) {
      const current = this.store.event(calendarId, eventId);
      if (!current) return;
      if (etag !== undefined && String(current.sequence) !== etag)
        throw new errors.PreconditionFailed(`event ${eventId} changed since it was read`, 412);
      this.store.remove(calendarId, eventId);
    }
  }

  return kit.defineProvider({
    apiVersion: kit.apiVersion,
    id: "example-json",
    displayName: "Example: calendars in a JSON file",
    capabilities: {
      pushChannels: false,
      syncTokens: true,
      recurringExpansion: true,
      maxPageSize: PAGE_SIZE,
      moveEvents: false,
      companyAccount: false,
    },
    account: {
      schema: z.strictObject({
        file: z
          .string()
          .min(2)
          .max(1000)
          .refine(isAbsolute, "must be an absolute path")
          .describe("The JSON file that holds the account's calendars (created when missing)"),
      }),
      secrets: [],
    },
    createAdapter({ account }) {
      return new JsonFileAdapter(new JsonCalendarStore(account.file));
    },
  });
}
