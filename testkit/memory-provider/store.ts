import { randomUUID } from "node:crypto";
import {
  type CalendarEvent,
  type ChangePage,
  type ChangeQuery,
  type EventBase,
  type EventData,
  NotFound,
  Permanent,
  PermissionDenied,
  PreconditionFailed,
  SyncTokenExpired,
} from "../../adapters/types.js";
import { CallGate } from "./call-gate.js";
import {
  dataOf,
  definedOnly,
  endInstant,
  type ForeignFields,
  instanceStamp,
  type MemoryResource,
  pickFlags,
  type StoredEvent,
  shiftDays,
  withResource,
} from "./stored-event.js";

interface StoredCalendar {
  id: string;
  name: string;
  account: string;
  events: Map<string, StoredEvent>;
  /** The account may only read it (a calendar shared read-only): writes are refused with 403. */
  readOnly?: boolean;
}

export interface SeriesOptions {
  freq: "DAILY" | "WEEKLY";
  count: number;
  /** Id of the series; occurrences get `<seriesId>_<start stamp>`. */
  seriesId?: string;
}

/**
 * The state behind the memory adapter: accounts → calendars → events, with a
 * change sequence shared by all calendars. Tests use it to act as the user
 * (those changes bypass fault injection and write counts, like a person in
 * the Google UI would) and to inject faults into adapter calls.
 */
export class MemoryStore extends CallGate {
  /** Largest page a listing returns. */
  pageSize: number;
  private seq = 0;
  /** Bumped by invalidateSyncTokens: tokens of an older epoch are refused. */
  private epoch = 0;
  private readonly calendarsById = new Map<string, StoredCalendar>();
  private readonly writes = new Map<string, number>();

  constructor(options: { pageSize?: number } = {}) {
    super();
    this.pageSize = options.pageSize ?? 100;
  }

  // ---- test controls ----------------------------------------------------

  /** Every sync token issued so far becomes invalid (the provider forgot them). */
  invalidateSyncTokens(): void {
    this.epoch++;
  }

  /** Write calls (create, update, delete) the adapter made, on one calendar or all. */
  writeCount(calendarId?: string): number {
    if (calendarId !== undefined) return this.writes.get(calendarId) ?? 0;
    let total = 0;
    for (const n of this.writes.values()) total += n;
    return total;
  }

  /** Live events of a calendar, as the user sees them. */
  events(calendarId: string): CalendarEvent[] {
    return [...this.calendar(calendarId).events.values()].filter((s) => !s.deleted).map((s) => s.event);
  }

  /** What a person added to an event beside taskcal's fields. */
  foreignFields(calendarId: string, eventId: string): ForeignFields | undefined {
    const stored = this.calendar(calendarId).events.get(eventId);
    return stored && !stored.deleted ? structuredClone(stored.foreign) : undefined;
  }

  calendars(account: string): { id: string; name: string }[] {
    return [...this.calendarsById.values()].filter((c) => c.account === account).map(({ id, name }) => ({ id, name }));
  }

  createCalendar(account: string, name: string): string {
    const id = `${randomUUID()}@memory`;
    this.calendarsById.set(id, { id, name, account, events: new Map() });
    return id;
  }

  /** The account's access to the calendar drops to (or back from) read-only. */
  setCalendarReadOnly(calendarId: string, readOnly: boolean): void {
    this.calendar(calendarId).readOnly = readOnly;
  }

  deleteCalendar(calendarId: string): void {
    this.calendar(calendarId);
    this.calendarsById.delete(calendarId);
  }

  /** Creates an event as the user would; its id is chosen by the "provider". */
  userCreateEvent(
    calendarId: string,
    data: EventData,
    id: string = randomUUID().replace(/-/g, ""),
    extra: { foreign?: ForeignFields; readOnly?: boolean; statusOnly?: boolean } = {},
  ): CalendarEvent {
    const flags = { ...(extra.readOnly ? { readOnly: true } : {}), ...(extra.statusOnly ? { statusOnly: true } : {}) };
    return this.put(calendarId, id, data, flags, extra.foreign ?? {});
  }

  /** Changes an event as its owner would: its data and, with `foreign`, what was added beside it. */
  userUpdateEvent(calendarId: string, eventId: string, changes: Partial<EventData>, foreign?: ForeignFields): CalendarEvent {
    const stored = this.calendar(calendarId).events.get(eventId);
    if (!stored || stored.deleted) throw new NotFound(`no event ${eventId}`);
    return this.put(calendarId, eventId, { ...dataOf(stored.event), ...changes }, undefined, { ...stored.foreign, ...foreign });
  }

  /** A resource the provider cannot read (a malformed iCalendar file): listed as unreadable, refused by getEvent. */
  userCreateUnreadable(calendarId: string, id: string = randomUUID().replace(/-/g, "")): string {
    this.put(calendarId, id, { summary: "", start: { date: "1970-01-01" }, end: { date: "1970-01-02" } });
    this.calendar(calendarId).events.get(id)!.unreadable = true;
    return id;
  }

  userDeleteEvent(calendarId: string, eventId: string): void {
    this.remove(calendarId, eventId);
  }

  /** Creates a recurring series as its occurrences, each carrying the series id. */
  userCreateSeries(calendarId: string, data: EventData, options: SeriesOptions): CalendarEvent[] {
    const seriesId = options.seriesId ?? randomUUID().replace(/-/g, "");
    const stepDays = options.freq === "DAILY" ? 1 : 7;
    const occurrences: CalendarEvent[] = [];
    for (let i = 0; i < options.count; i++) {
      const start = shiftDays(data.start, i * stepDays);
      const id = `${seriesId}_${instanceStamp(start)}`;
      const event = this.put(
        calendarId,
        id,
        { ...data, start, end: shiftDays(data.end, i * stepDays) },
        {
          recurringEventId: seriesId,
          originalStart: start,
        },
      );
      occurrences.push(event);
    }
    return occurrences;
  }

  // ---- used by the adapter -----------------------------------------------

  countWrite(calendarId: string): void {
    this.writes.set(calendarId, (this.writes.get(calendarId) ?? 0) + 1);
    if (this.calendar(calendarId).readOnly) throw new PermissionDenied("the account may only read this calendar", 403);
  }

  findCalendar(account: string, name: string): StoredCalendar | undefined {
    for (const c of this.calendarsById.values()) if (c.account === account && c.name === name) return c;
    return undefined;
  }

  /** The event, or null when it never existed or was deleted. */
  get(calendarId: string, eventId: string): CalendarEvent | null {
    const stored = this.calendar(calendarId).events.get(eventId);
    if (stored?.unreadable) throw new Permanent(`event ${eventId} is unreadable`);
    return stored && !stored.deleted ? withResource(stored) : null;
  }

  isTombstone(calendarId: string, eventId: string): boolean {
    return this.calendar(calendarId).events.get(eventId)?.deleted ?? false;
  }

  /** Writes an event (new, revived or replaced) and gives it a new etag. */
  put(
    calendarId: string,
    eventId: string,
    data: EventData,
    flags?: Pick<CalendarEvent, "recurringEventId" | "originalStart" | "readOnly" | "statusOnly">,
    foreign: ForeignFields = {},
  ): CalendarEvent {
    const calendar = this.calendar(calendarId);
    const seq = ++this.seq;
    const previous = calendar.events.get(eventId);
    const event: CalendarEvent = {
      ...structuredClone(data),
      id: eventId,
      etag: `"${seq}"`,
      updated: new Date().toISOString(),
      ...(flags ?? pickFlags(previous?.event)),
    };
    const stored: StoredEvent = { event, foreign: structuredClone(foreign), deleted: false, seq };
    calendar.events.set(eventId, stored);
    return withResource(stored);
  }

  /**
   * An adapter's update: the caller's fields written over the event as
   * `base` shows it (or as stored, when the caller has no resource), if the
   * etag still matches. Undefined description or location are not the
   * caller's and stay; so do foreign fields.
   */
  replace(calendarId: string, eventId: string, data: EventData, base: EventBase): CalendarEvent {
    const stored = this.calendar(calendarId).events.get(eventId);
    if (!stored || stored.deleted) throw new NotFound(`no event ${eventId}`, 404);
    if (stored.event.etag !== base.etag) throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
    if (stored.event.readOnly) throw new Permanent(`event ${eventId} cannot be changed`, 400);
    const from = (base.resource as MemoryResource | undefined) ?? { data: dataOf(stored.event), foreign: stored.foreign };
    const merged: EventData = {
      ...from.data,
      ...definedOnly(data),
      privateProperties: { ...from.data.privateProperties, ...data.privateProperties },
    };
    return this.put(calendarId, eventId, merged, undefined, from.foreign);
  }

  /** Moves a live event, whole and under its id, to another calendar of the account; the source keeps a tombstone. */
  move(fromCalendarId: string, eventId: string, toCalendarId: string): CalendarEvent {
    const stored = this.calendar(fromCalendarId).events.get(eventId);
    if (!stored || stored.deleted) throw new NotFound(`no event ${eventId}`, 404);
    if (this.calendar(fromCalendarId).account !== this.calendar(toCalendarId).account) {
      throw new Permanent("events move only between calendars of one account", 400);
    }
    this.remove(fromCalendarId, eventId);
    return this.put(toCalendarId, eventId, dataOf(stored.event), pickFlags(stored.event), stored.foreign);
  }

  /** Turns an event into a tombstone. Returns false when there was nothing to delete. */
  remove(calendarId: string, eventId: string, etag?: string): boolean {
    const calendar = this.calendar(calendarId);
    const stored = calendar.events.get(eventId);
    if (!stored || stored.deleted) return false;
    if (etag !== undefined && stored.event.etag !== etag) {
      throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
    }
    const seq = ++this.seq;
    calendar.events.set(eventId, { event: { ...stored.event, etag: `"${seq}"` }, foreign: {}, deleted: true, seq });
    return true;
  }

  /**
   * One page of a listing. Events are ordered by change sequence; a page token
   * remembers the sequence the listing started at (its snapshot) and the last
   * one returned, so changes made while paging wait for the next incremental
   * listing instead of shifting pages.
   */
  list(calendarId: string, query: ChangeQuery): ChangePage {
    const calendar = this.calendar(calendarId);
    let since = 0;
    if (query.syncToken !== undefined) since = this.parseSyncToken(query.syncToken);
    let snapshot = this.seq;
    let after = since;
    if (query.pageToken) {
      const [snap, last] = query.pageToken.split(".").map(Number);
      if (!Number.isInteger(snap) || !Number.isInteger(last)) throw new Permanent("unknown page token", 400);
      snapshot = snap;
      after = last;
    }
    const windowStart = query.syncToken === undefined && query.windowStart ? Date.parse(query.windowStart) : undefined;
    const candidates = [...calendar.events.values()]
      .filter((s) => s.seq > after && s.seq <= snapshot)
      .filter((s) => windowStart === undefined || endInstant(s.event.end) > windowStart)
      .sort((a, b) => a.seq - b.seq);
    const page = candidates.slice(0, this.pageSize);
    const more = candidates.length > page.length;
    const unreadable = page.filter((s) => s.unreadable && !s.deleted);
    return {
      events: page.filter((s) => !s.deleted && !s.unreadable).map(withResource),
      deletedIds: page.filter((s) => s.deleted).map((s) => s.event.id),
      ...(unreadable.length ? { unreadable: unreadable.map((s) => ({ id: s.event.id, message: "unreadable resource" })) } : {}),
      ...(more ? { nextPageToken: `${snapshot}.${page[page.length - 1].seq}` } : { syncToken: `m${this.epoch}.${snapshot}` }),
    };
  }

  private parseSyncToken(token: string): number {
    const match = /^m(\d+)\.(\d+)$/.exec(token);
    if (!match || Number(match[1]) !== this.epoch || Number(match[2]) > this.seq) {
      throw new SyncTokenExpired("sync token is no longer valid, a full listing is required", 410);
    }
    return Number(match[2]);
  }

  private calendar(calendarId: string): StoredCalendar {
    const calendar = this.calendarsById.get(calendarId);
    if (!calendar) throw new NotFound(`no calendar ${calendarId}`, 404);
    return calendar;
  }
}
