import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { alignLocations, checkTimes, type EventFields, type EventWrite, newEventDefaults, parseEventWrite, storedTime } from "./event-fields.js";
import { badRequest, GraphError, invalidRequest, itemNotFound } from "./graph-errors.js";
import { newCalendarId, newChangeKey, newICalUId, newImmutableId, newRestId, parseOccurrenceId } from "./ids.js";
import { occurrenceDates, type PatternedRecurrence } from "./recurrence.js";
import { ianaZone } from "./time-zones.js";

export interface Account {
  email: string;
  /** The user's object id in the directory (`oid` claim, /me id, creatorId). */
  oid: string;
  displayName: string;
  defaultCalendarId: string;
  /** transactionId → key of the event its first create made. */
  transactions: Map<string, string>;
}

export interface CalendarRecord {
  id: string;
  name: string;
  color: string;
  changeKey: string;
  owner: string;
  isDefault: boolean;
}

/** A single event or series master as stored. Occurrences are computed from a master, exceptions stored on it. */
export interface StoredEvent {
  /** The immutable id: stable while the event stays in the mailbox. */
  key: string;
  /** The default id; a new one when the event moves to another calendar. */
  restId: string;
  calendarId: string;
  owner: string;
  fields: EventFields;
  extended: Map<string, string>;
  changeKey: string;
  created: number;
  modified: number;
  /** Change sequence (shared by all mailboxes) of its last change, exceptions included. */
  seq: number;
  iCalUId: string;
  series?: Series;
  /** Set on an invitation: the meeting's organizer is someone else, and this is the attendee's copy. */
  invitedBy?: { name: string; address: string };
}

interface Series {
  recurrence: PatternedRecurrence;
  /** originalStart (epoch ms) → the exception's changes on top of the master. */
  exceptions: Map<number, Exception>;
  /** originalStart (epoch ms) of deleted occurrences. */
  deleted: Set<number>;
}

interface Exception {
  overrides: EventFields;
  extended: Map<string, string>;
  changeKey: string;
  modified: number;
}

/** One entry of a calendar view: a single instance, an occurrence or an exception (or, read by id, a series master). */
export interface Instance {
  type: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
  event: StoredEvent;
  originalStart?: number;
  start: DateTime;
  end: DateTime;
  fields: EventFields;
  extended: Map<string, string>;
  changeKey: string;
  modified: number;
}

export interface EventChange {
  owner: string;
  calendarId: string;
  changeType: "created" | "updated" | "deleted";
  key: string;
  restId: string;
  changeKey: string;
}

/** A deleted (or moved-away) event, kept for delta rounds of its calendar. */
export interface Tombstone {
  key: string;
  restId: string;
  calendarId: string;
  seq: number;
}

/** What the docs leave open, the fake's owner chooses: 412 (default) or 409 for a stale If-Match. */
export type ConflictStatus = 409 | 412;

/** Mailboxes, their calendars and events, with Outlook's semantics: change keys, ids, series. */
export class MailboxState {
  seq = 0;
  readonly tombstones: Tombstone[] = [];
  private readonly accounts = new Map<string, Account>();
  private readonly calendars = new Map<string, CalendarRecord>();
  private readonly events = new Map<string, StoredEvent>();
  /** Default id → immutable id, for the events' current ids only. */
  private readonly restIndex = new Map<string, string>();
  private readonly listeners: ((change: EventChange) => void)[] = [];

  constructor(private readonly conflictStatus: ConflictStatus) {}

  onChange(listener: (change: EventChange) => void): void {
    this.listeners.push(listener);
  }

  // ---- accounts and calendars ----------------------------------------------

  addAccount(email: string, displayName: string): Account {
    const existing = this.accounts.get(email);
    if (existing) return existing;
    const account: Account = { email, oid: randomUUID(), displayName, defaultCalendarId: "", transactions: new Map() };
    this.accounts.set(email, account);
    account.defaultCalendarId = this.createCalendar(email, { name: "Calendar" }, true).id;
    return account;
  }

  account(email: string): Account {
    const account = this.accounts.get(email);
    if (!account) throw new Error(`No mailbox ${email}; call addAccount first.`);
    return account;
  }

  calendarsOf(email: string): CalendarRecord[] {
    return [...this.calendars.values()].filter((c) => c.owner === email);
  }

  calendar(email: string, calendarId: string): CalendarRecord {
    const calendar = this.calendars.get(calendarId);
    // Someone else's calendar looks like no calendar at all.
    if (!calendar || calendar.owner !== email) throw itemNotFound();
    return calendar;
  }

  createCalendar(email: string, body: { name?: unknown; color?: unknown }, isDefault = false): CalendarRecord {
    if (typeof body.name !== "string" || !body.name.trim()) throw invalidRequest("The calendar name can't be empty.");
    const name = body.name;
    // Calendars are mail folders: names are unique per mailbox, without regard to case.
    if (this.calendarsOf(email).some((c) => c.name.toLowerCase() === name.toLowerCase())) {
      throw new GraphError(409, "ErrorFolderExists", "A folder with the specified name already exists.");
    }
    const calendar: CalendarRecord = {
      id: newCalendarId(),
      name,
      color: typeof body.color === "string" ? body.color : "auto",
      changeKey: newChangeKey(),
      owner: email,
      isDefault,
    };
    this.calendars.set(calendar.id, calendar);
    return calendar;
  }

  deleteCalendar(email: string, calendarId: string): void {
    const calendar = this.calendar(email, calendarId);
    if (calendar.isDefault) throw badRequest("ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted.");
    this.calendars.delete(calendar.id);
    for (const event of this.eventsIn(calendar.id)) this.forget(event);
  }

  // ---- events ----------------------------------------------------------------

  /** Stored singles and series masters of a calendar. */
  eventsIn(calendarId: string): StoredEvent[] {
    return [...this.events.values()].filter((e) => e.calendarId === calendarId);
  }

  /** The event (and, for an occurrence id, its original start) that an id of either form names. */
  resolve(email: string, id: string): { event: StoredEvent; originalStart?: number } {
    const occurrence = parseOccurrenceId(id);
    const event = this.byId(occurrence ? occurrence.masterId : id);
    if (!event || event.owner !== email) throw itemNotFound();
    if (!occurrence) return { event };
    if (!event.series || !this.isOccurrence(event, occurrence.originalStart)) throw itemNotFound();
    return { event, originalStart: occurrence.originalStart };
  }

  /** The calendar an id's event lives in, if the id names one (for the call log). */
  calendarOf(email: string, id: string): string | undefined {
    try {
      return this.resolve(email, id).event.calendarId;
    } catch {
      return undefined;
    }
  }

  create(
    email: string,
    calendarId: string,
    body: Record<string, unknown>,
    invitedBy?: StoredEvent["invitedBy"],
  ): { instance: Instance; created: boolean } {
    const calendar = this.calendar(email, calendarId);
    const write = parseEventWrite(body);
    const account = this.account(email);
    const transactionId = typeof write.fields.transactionId === "string" ? write.fields.transactionId : undefined;
    const earlier = transactionId ? this.events.get(account.transactions.get(transactionId) ?? "") : undefined;
    // A retried create with the same transactionId gets the event the first one made ("event resource type").
    if (earlier) return { instance: this.instance(earlier), created: false };
    const fields = { ...newEventDefaults(), ...alignLocations(write.fields) };
    const times = checkTimes(fields);
    const now = Date.now();
    const event: StoredEvent = {
      key: newImmutableId(),
      restId: newRestId(),
      calendarId: calendar.id,
      owner: email,
      fields: this.withStoredTimes(fields, times),
      extended: write.extended,
      changeKey: newChangeKey(),
      created: now,
      modified: now,
      seq: ++this.seq,
      iCalUId: newICalUId(),
      series: times.recurrence ? { recurrence: times.recurrence, exceptions: new Map(), deleted: new Set() } : undefined,
      ...(invitedBy ? { invitedBy } : {}),
    };
    this.events.set(event.key, event);
    this.restIndex.set(event.restId, event.key);
    if (transactionId) account.transactions.set(transactionId, event.key);
    this.emit(event, "created");
    return { instance: this.instance(event), created: true };
  }

  /** PATCH: merges the given properties (each replaced whole); on an occurrence it makes or updates an exception. */
  update(email: string, id: string, body: Record<string, unknown>, ifMatch?: string): Instance {
    const { event, originalStart } = this.resolve(email, id);
    const write = parseEventWrite(body);
    this.checkIfMatch(this.instance(event, originalStart), ifMatch);
    if (write.fields.transactionId !== undefined && write.fields.transactionId !== event.fields.transactionId) {
      throw invalidRequest("The transactionId of an event can't be changed after it was created.");
    }
    if (originalStart !== undefined) return this.updateOccurrence(event, originalStart, write);
    const fields = { ...event.fields, ...alignLocations(write.fields) };
    const times = checkTimes(fields);
    const before = shape(event);
    event.fields = this.withStoredTimes(fields, times);
    for (const [name, value] of write.extended) event.extended.set(name, value);
    // Outlook drops a series' exceptions when its times or pattern change (not when a PATCH repeats them).
    const reshaped = shape({ ...event, series: times.recurrence ? { ...event.series!, recurrence: times.recurrence } : undefined }) !== before;
    if (!times.recurrence) event.series = undefined;
    else if (!event.series || reshaped) event.series = { recurrence: times.recurrence, exceptions: new Map(), deleted: new Set() };
    this.touch(event);
    this.emit(event, "updated");
    return this.instance(event);
  }

  /** DELETE: a single or a whole series goes; one occurrence is removed from its series. */
  delete(email: string, id: string, ifMatch?: string): void {
    const { event, originalStart } = this.resolve(email, id);
    this.checkIfMatch(this.instance(event, originalStart), ifMatch);
    if (originalStart !== undefined && event.series) {
      event.series.exceptions.delete(originalStart);
      event.series.deleted.add(originalStart);
      // The series' other instances keep their change keys: only this one changed for a client.
      event.seq = ++this.seq;
      // The occurrence lives inside its master's item: the master is what changed.
      this.emit(event, "updated");
      return;
    }
    this.forget(event);
    this.emit(event, "deleted");
  }

  /** Outlook's "move to calendar" (user only): a new default id, the same immutable id. */
  move(email: string, id: string, calendarId: string): StoredEvent {
    const { event } = this.resolve(email, id);
    const target = this.calendar(email, calendarId);
    if (target.id === event.calendarId) return event;
    this.forget(event);
    this.emit(event, "deleted");
    event.calendarId = target.id;
    event.restId = newRestId();
    this.events.set(event.key, event);
    this.restIndex.set(event.restId, event.key);
    this.touch(event);
    this.emit(event, "created");
    return event;
  }

  /** The instance an id reads: the event itself, or one of its occurrences. */
  instance(event: StoredEvent, originalStart?: number): Instance {
    if (originalStart !== undefined && event.series) return this.occurrence(event, originalStart);
    const times = checkTimes(event.fields);
    return {
      type: event.series ? "seriesMaster" : "singleInstance",
      event,
      start: times.start,
      end: times.end,
      fields: event.fields,
      extended: event.extended,
      changeKey: event.changeKey,
      modified: event.modified,
    };
  }

  /** The calendar view of [from, to): singles, occurrences and exceptions that overlap it. */
  instancesIn(calendarId: string, from: number, to: number): Instance[] {
    const overlaps = (i: Instance) =>
      i.start.toMillis() < to && (i.end.toMillis() > from || (i.end.toMillis() === i.start.toMillis() && i.start.toMillis() >= from));
    return this.eventsIn(calendarId).flatMap((event) => (event.series ? this.seriesInstances(event, to) : [this.instance(event)]).filter(overlaps));
  }

  /** A series' occurrences and exceptions that start before `to`. */
  seriesInstances(event: StoredEvent, to: number): Instance[] {
    const series = event.series!;
    const instances = [...series.exceptions.keys()].map((start) => this.occurrence(event, start));
    for (const start of this.occurrenceStarts(event, to)) {
      if (!series.exceptions.has(start) && !series.deleted.has(start)) instances.push(this.occurrence(event, start));
    }
    return instances;
  }

  // ---- internals ---------------------------------------------------------------

  private byId(id: string): StoredEvent | undefined {
    return this.events.get(id) ?? this.events.get(this.restIndex.get(id) ?? "");
  }

  private forget(event: StoredEvent): void {
    this.events.delete(event.key);
    this.restIndex.delete(event.restId);
    this.tombstones.push({ key: event.key, restId: event.restId, calendarId: event.calendarId, seq: ++this.seq });
  }

  private touch(event: StoredEvent): void {
    event.changeKey = newChangeKey();
    event.modified = Date.now();
    event.seq = ++this.seq;
  }

  private emit(event: StoredEvent, changeType: EventChange["changeType"]): void {
    const change: EventChange = {
      owner: event.owner,
      calendarId: event.calendarId,
      changeType,
      key: event.key,
      restId: event.restId,
      changeKey: event.changeKey,
    };
    for (const listener of this.listeners) listener(change);
  }

  private checkIfMatch(instance: Instance, ifMatch: string | undefined): void {
    if (ifMatch === undefined || ifMatch.trim() === "*") return;
    const given = ifMatch.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
    if (given !== instance.changeKey) {
      throw new GraphError(
        this.conflictStatus,
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
      );
    }
  }

  private updateOccurrence(event: StoredEvent, originalStart: number, write: EventWrite): Instance {
    if ("recurrence" in write.fields) throw invalidRequest("The recurrence of an occurrence can't be set; update its series master instead.");
    const series = event.series!;
    const current = series.exceptions.get(originalStart);
    const overrides = { ...current?.overrides, ...alignLocations(write.fields) };
    const base = this.occurrence(event, originalStart, { overrides: {}, extended: new Map(), changeKey: "", modified: 0 });
    const times = checkTimes({ ...base.fields, ...overrides });
    if ("start" in overrides) overrides.start = storedTime(times.start, overrides.start);
    if ("end" in overrides) overrides.end = storedTime(times.end, overrides.end);
    const extended = new Map(current?.extended);
    for (const [name, value] of write.extended) extended.set(name, value);
    series.exceptions.set(originalStart, { overrides, extended, changeKey: newChangeKey(), modified: Date.now() });
    event.seq = ++this.seq;
    this.emit(event, "updated");
    return this.occurrence(event, originalStart);
  }

  /** An occurrence as computed from its master, with its exception's changes if it has one. */
  private occurrence(event: StoredEvent, originalStart: number, exception = event.series?.exceptions.get(originalStart)): Instance {
    const master = checkTimes(event.fields);
    const start = DateTime.fromMillis(originalStart, { zone: master.start.zone });
    const generated: EventFields = {
      ...event.fields,
      recurrence: null,
      start: storedTime(start, event.fields.start),
      end: storedTime(start.plus(master.end.diff(master.start)).setZone(master.end.zone), event.fields.end),
    };
    if (!exception) {
      return {
        type: "occurrence",
        event,
        originalStart,
        start,
        end: start.plus(master.end.diff(master.start)),
        fields: generated,
        extended: event.extended,
        changeKey: event.changeKey,
        modified: event.modified,
      };
    }
    const fields = { ...generated, ...exception.overrides };
    const times = checkTimes(fields);
    return {
      type: "exception",
      event,
      originalStart,
      start: times.start,
      end: times.end,
      fields,
      extended: new Map([...event.extended, ...exception.extended]),
      changeKey: exception.changeKey,
      modified: exception.modified,
    };
  }

  private isOccurrence(event: StoredEvent, originalStart: number): boolean {
    const series = event.series!;
    if (series.deleted.has(originalStart)) return false;
    return series.exceptions.has(originalStart) || this.occurrenceStarts(event, originalStart + 1).includes(originalStart);
  }

  /** Start instants (epoch ms) of a series' pattern occurrences before `to`, on the wall clock of the recurrence's zone. */
  private occurrenceStarts(event: StoredEvent, to: number): number[] {
    const { recurrence } = event.series!;
    const zone = ianaZone(recurrence.range.recurrenceTimeZone);
    const first = checkTimes(event.fields).start.setZone(zone);
    const until = DateTime.fromMillis(to, { zone }).toISODate()!;
    return occurrenceDates(recurrence, until)
      .map((date) =>
        DateTime.fromISO(date, { zone })
          .set({ hour: first.hour, minute: first.minute, second: first.second, millisecond: first.millisecond })
          .toMillis(),
      )
      .filter((start) => start < to);
  }

  private withStoredTimes(fields: EventFields, times: ReturnType<typeof checkTimes>): EventFields {
    return { ...fields, start: storedTime(times.start, fields.start), end: storedTime(times.end, fields.end) };
  }
}

/** What a series' occurrences are computed from: its times and pattern. */
function shape(event: Pick<StoredEvent, "fields" | "series">): string {
  const { start, end, isAllDay } = event.fields;
  return JSON.stringify([start, end, isAllDay, event.series?.recurrence]);
}
