// @ts-check
// The example provider's backing store: an account is one JSON file holding
// its calendars and events, and a change counter. Another program (or a test,
// acting as the calendar's user) may change the file between calls; every
// operation reads it afresh and writes it whole (write then rename), so what
// the provider reports is always what the file says.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** @typedef {import("taskcal/provider").EventData} EventData */

/**
 * @typedef {object} StoredEvent
 * @property {string} calendarId
 * @property {string} id
 * @property {number} sequence   the store's change counter at this event's last change (its etag)
 * @property {boolean} deleted   kept as a tombstone, so a change listing can report the deletion
 * @property {string} updated    ISO time of the last change
 * @property {EventData} data    what taskcal writes (and the user may change)
 * @property {Record<string, unknown>} extra  what only the user adds (guests…): never taskcal's to change
 * @property {string} [recurringEventId]
 * @property {EventData["start"]} [originalStart]
 */

/**
 * @typedef {object} StoreFile
 * @property {string} account     a stable identity of the account
 * @property {number} sequence    bumped by every change
 * @property {number} expiredBefore  sync tokens below this are refused (a compaction)
 * @property {{ id: string, name: string }[]} calendars
 * @property {StoredEvent[]} events
 */

export class JsonCalendarStore {
  /** @param {string} file */
  constructor(file) {
    this.file = file;
  }

  /** @returns {StoreFile} */
  read() {
    if (!existsSync(this.file)) return { account: randomUUID(), sequence: 0, expiredBefore: 0, calendars: [], events: [] };
    return JSON.parse(readFileSync(this.file, "utf8"));
  }

  /**
   * Reads, lets `change` edit, writes back whole.
   * @template T
   * @param {(store: StoreFile) => T} change
   * @returns {T}
   */
  update(change) {
    const store = this.read();
    const result = change(store);
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(store, null, 1));
    renameSync(temporary, this.file);
    return result;
  }

  /** The account's identity, created with the file. */
  account() {
    return existsSync(this.file) ? this.read().account : this.update((store) => store.account);
  }

  /** @param {string} name */
  createCalendar(name) {
    return this.update((store) => {
      const calendar = { id: `cal-${randomUUID()}`, name };
      store.calendars.push(calendar);
      return calendar;
    });
  }

  /**
   * Writes an event (a new one, a change, a revival) and returns it as stored.
   * @param {string} calendarId
   * @param {string} id
   * @param {(current: StoredEvent | undefined) => Omit<StoredEvent, "calendarId" | "id" | "sequence" | "deleted" | "updated">} next
   */
  put(calendarId, id, next) {
    return this.update((store) => {
      if (!store.calendars.some((c) => c.id === calendarId)) throw new Error(`no calendar ${calendarId}`);
      const index = store.events.findIndex((e) => e.calendarId === calendarId && e.id === id);
      const current = index >= 0 ? store.events[index] : undefined;
      /** @type {StoredEvent} */
      const event = { ...next(current), calendarId, id, sequence: ++store.sequence, deleted: false, updated: new Date().toISOString() };
      if (index >= 0) store.events[index] = event;
      else store.events.push(event);
      return event;
    });
  }

  /**
   * Marks an event deleted; false when there was none to delete.
   * @param {string} calendarId
   * @param {string} id
   */
  remove(calendarId, id) {
    return this.update((store) => {
      const event = store.events.find((e) => e.calendarId === calendarId && e.id === id && !e.deleted);
      if (!event) return false;
      event.deleted = true;
      event.sequence = ++store.sequence;
      event.updated = new Date().toISOString();
      return true;
    });
  }

  /** Sync tokens issued so far stop working (as a server that compacted its change log). */
  expireSyncTokens() {
    this.update((store) => {
      store.expiredBefore = ++store.sequence;
    });
  }

  // ---- as the calendar's user, in another program ------------------------------------------------

  /** @param {string} calendarId @param {EventData} data */
  userCreate(calendarId, data) {
    return this.put(calendarId, `user-${randomUUID()}`, () => ({ data, extra: {} })).id;
  }

  /** @param {string} calendarId @param {string} id @param {Partial<EventData>} changes @param {Record<string, unknown>} [extra] */
  userUpdate(calendarId, id, changes, extra = {}) {
    this.put(calendarId, id, (current) => {
      if (!current || current.deleted) throw new Error(`no event ${id}`);
      return { ...current, data: { ...current.data, ...changes }, extra: { ...current.extra, ...extra } };
    });
  }

  /** @param {string} calendarId @param {string} id */
  event(calendarId, id) {
    return this.read().events.find((e) => e.calendarId === calendarId && e.id === id && !e.deleted);
  }

  /** @param {string} calendarId */
  liveEvents(calendarId) {
    return this.read().events.filter((e) => e.calendarId === calendarId && !e.deleted);
  }
}
