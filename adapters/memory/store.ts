import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import {
  NotFound,
  Permanent,
  PreconditionFailed,
  SyncTokenExpired,
  type AdapterError,
  type CalendarEvent,
  type ChangePage,
  type ChangeQuery,
  type EventData,
  type EventTime,
} from "../types.js";

/** One stored event; deleted ones stay as tombstones so incremental listings can report them. */
interface StoredEvent {
  event: CalendarEvent;
  deleted: boolean;
  /** The change sequence number of its last change. */
  seq: number;
}

interface StoredCalendar {
  id: string;
  name: string;
  account: string;
  events: Map<string, StoredEvent>;
}

export type AdapterMethod =
  | "accountId"
  | "findOrCreateCalendar"
  | "listChanges"
  | "getEvent"
  | "createEvent"
  | "updateEvent"
  | "deleteEvent";

interface Fault {
  remaining: number;
  error: AdapterError;
  methods?: AdapterMethod[];
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
export class MemoryStore {
  /** Largest page a listing returns. */
  pageSize: number;
  private seq = 0;
  /** Bumped by invalidateSyncTokens: tokens of an older epoch are refused. */
  private epoch = 0;
  private readonly calendarsById = new Map<string, StoredCalendar>();
  private readonly writes = new Map<string, number>();
  private faults: Fault[] = [];

  constructor(options: { pageSize?: number } = {}) {
    this.pageSize = options.pageSize ?? 100;
  }

  // ---- test controls ----------------------------------------------------

  /** The next `count` adapter calls (optionally only of these methods) throw `error`. */
  failNext(count: number, error: AdapterError, methods?: AdapterMethod[]): void {
    this.faults.push({ remaining: count, error, methods });
  }

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

  calendars(account: string): { id: string; name: string }[] {
    return [...this.calendarsById.values()].filter((c) => c.account === account).map(({ id, name }) => ({ id, name }));
  }

  createCalendar(account: string, name: string): string {
    const id = `${randomUUID()}@memory`;
    this.calendarsById.set(id, { id, name, account, events: new Map() });
    return id;
  }

  deleteCalendar(calendarId: string): void {
    this.calendar(calendarId);
    this.calendarsById.delete(calendarId);
  }

  /** Creates an event as the user would; its id is chosen by the "provider". */
  userCreateEvent(calendarId: string, data: EventData, id: string = randomUUID().replace(/-/g, "")): CalendarEvent {
    return this.put(calendarId, id, data);
  }

  userUpdateEvent(calendarId: string, eventId: string, changes: Partial<EventData>): CalendarEvent {
    const current = this.get(calendarId, eventId);
    if (!current) throw new NotFound(`no event ${eventId}`);
    const { id: _id, etag: _etag, updated: _updated, ...data } = current;
    return this.put(calendarId, eventId, { ...data, ...changes });
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
      const event = this.put(calendarId, id, { ...data, start, end: shiftDays(data.end, i * stepDays) }, {
        recurringEventId: seriesId,
        originalStart: start,
      });
      occurrences.push(event);
    }
    return occurrences;
  }

  // ---- used by the adapter -----------------------------------------------

  /** Throws the first matching injected fault, if any is left. */
  takeFault(method: AdapterMethod): void {
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.methods || f.methods.includes(method)));
    if (!fault) return;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    throw fault.error;
  }

  countWrite(calendarId: string): void {
    this.writes.set(calendarId, (this.writes.get(calendarId) ?? 0) + 1);
  }

  findCalendar(account: string, name: string): StoredCalendar | undefined {
    for (const c of this.calendarsById.values()) if (c.account === account && c.name === name) return c;
    return undefined;
  }

  /** The event, or null when it never existed or was deleted. */
  get(calendarId: string, eventId: string): CalendarEvent | null {
    const stored = this.calendar(calendarId).events.get(eventId);
    return stored && !stored.deleted ? stored.event : null;
  }

  isTombstone(calendarId: string, eventId: string): boolean {
    return this.calendar(calendarId).events.get(eventId)?.deleted ?? false;
  }

  /** Writes an event (new, revived or replaced) and gives it a new etag. */
  put(
    calendarId: string,
    eventId: string,
    data: EventData,
    series?: Pick<CalendarEvent, "recurringEventId" | "originalStart">,
  ): CalendarEvent {
    const calendar = this.calendar(calendarId);
    const seq = ++this.seq;
    const previous = calendar.events.get(eventId);
    const event: CalendarEvent = {
      ...structuredClone(data),
      id: eventId,
      etag: `"${seq}"`,
      updated: new Date().toISOString(),
      ...(series ?? pickSeries(previous?.event)),
    };
    calendar.events.set(eventId, { event, deleted: false, seq });
    return structuredClone(event);
  }

  /** Replaces a live event if `etag` matches its current one. */
  replace(calendarId: string, eventId: string, data: EventData, etag: string): CalendarEvent {
    const current = this.get(calendarId, eventId);
    if (!current) throw new NotFound(`no event ${eventId}`, 404);
    if (current.etag !== etag) throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
    return this.put(calendarId, eventId, data);
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
    calendar.events.set(eventId, { event: { ...stored.event, etag: `"${seq}"` }, deleted: true, seq });
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
    return {
      events: page.filter((s) => !s.deleted).map((s) => structuredClone(s.event)),
      deletedIds: page.filter((s) => s.deleted).map((s) => s.event.id),
      ...(more
        ? { nextPageToken: `${snapshot}.${page[page.length - 1].seq}` }
        : { syncToken: `m${this.epoch}.${snapshot}` }),
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

function pickSeries(event: CalendarEvent | undefined): Pick<CalendarEvent, "recurringEventId" | "originalStart"> {
  if (!event?.recurringEventId) return {};
  return { recurringEventId: event.recurringEventId, originalStart: event.originalStart };
}

/** An event end as epoch milliseconds; all-day dates count from UTC midnight. */
export function endInstant(time: EventTime): number {
  return "date" in time ? Date.parse(`${time.date}T00:00:00Z`) : Date.parse(time.dateTime);
}

function shiftDays(time: EventTime, days: number): EventTime {
  if ("date" in time) return { date: DateTime.fromISO(time.date, { zone: "utc" }).plus({ days }).toISODate()! };
  // Shift the wall-clock time in the event's zone, so a daily 9:00 stays 9:00 across DST.
  const start = DateTime.fromISO(time.dateTime, { zone: time.timeZone ?? "utc", setZone: !time.timeZone });
  return { ...time, dateTime: start.plus({ days }).toISO({ suppressMilliseconds: true })! };
}

/** Google's instance id suffix: the original start in UTC, or the date of an all-day one. */
export function instanceStamp(start: EventTime): string {
  if ("date" in start) return start.date.replace(/-/g, "");
  return DateTime.fromISO(start.dateTime, { zone: "utc" }).toFormat("yyyyMMdd'T'HHmmss'Z'");
}
