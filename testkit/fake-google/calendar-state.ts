import { randomBytes } from "node:crypto";
import { clientFields, instantOf, parseBound, refuseGmailChanges, requireTimes, seriesFields, tombstone } from "./event-rules.js";
import { fullSyncRequired, GoogleApiError, invalid, notFound } from "./google-errors.js";
import { expandInstances } from "./recurrence.js";
import type { GoogleCalendar, GoogleEvent } from "./resources.js";

interface StoredEvent {
  resource: GoogleEvent;
  /** Change sequence of its last change (shared by all calendars). */
  seq: number;
}

interface CalendarData extends GoogleCalendar {
  events: Map<string, StoredEvent>;
  /** Bumped to invalidate the calendar's sync tokens. */
  epoch: number;
}

/** Parameters of events.list, as strings from the query. */
export type ListParams = Record<string, string | undefined>;

/** Forbidden beside syncToken (Calendar API docs, events.list). */
const INCOMPATIBLE_WITH_SYNC_TOKEN = [
  "iCalUID",
  "orderBy",
  "privateExtendedProperty",
  "q",
  "sharedExtendedProperty",
  "timeMin",
  "timeMax",
  "updatedMin",
];

const EVENT_ID = /^[a-v0-9]{5,1024}$/;

/** Calendars and their events with Google's semantics: etags, tombstones, sync tokens, instances. */
export class CalendarState {
  /** Largest page events.list and calendarList.list return, whatever maxResults says. */
  maxPageSize: number;
  private seq = 0;
  private readonly calendars = new Map<string, CalendarData>();
  /** account e-mail → its calendar list, in insertion order. */
  private readonly lists = new Map<string, string[]>();
  private readonly changeListeners: ((calendarId: string) => void)[] = [];

  constructor(maxPageSize: number) {
    this.maxPageSize = maxPageSize;
  }

  onChange(listener: (calendarId: string) => void): void {
    this.changeListeners.push(listener);
  }

  addAccount(email: string): void {
    if (this.lists.has(email)) return;
    this.lists.set(email, []);
    // The primary calendar's id is the account's e-mail.
    this.insertCalendar(email, { summary: email, timeZone: "UTC" }, email);
  }

  // ---- calendars --------------------------------------------------------

  calendarsOf(email: string): GoogleCalendar[] {
    return (this.lists.get(email) ?? []).map((id) => this.publicCalendar(this.calendars.get(id)!));
  }

  insertCalendar(owner: string, body: { summary?: string; timeZone?: string }, id?: string): GoogleCalendar {
    if (!body.summary) throw new GoogleApiError(400, "required", "Missing title.");
    const calendarId = id ?? `${randomBytes(13).toString("hex")}@group.calendar.google.com`;
    this.calendars.set(calendarId, {
      id: calendarId,
      summary: body.summary,
      timeZone: body.timeZone ?? "UTC",
      owner,
      events: new Map(),
      epoch: 0,
    });
    this.lists.get(owner)!.push(calendarId);
    return this.publicCalendar(this.calendars.get(calendarId)!);
  }

  getCalendar(email: string, calendarId: string): GoogleCalendar {
    return this.publicCalendar(this.calendar(email, calendarId));
  }

  deleteCalendar(email: string, calendarId: string): void {
    const calendar = this.calendar(email, calendarId);
    if (calendar.id === email) throw new GoogleApiError(400, "cannotDeletePrimaryCalendar", "Cannot delete primary calendar.");
    this.calendars.delete(calendar.id);
    this.lists.set(
      email,
      this.lists.get(email)!.filter((id) => id !== calendar.id),
    );
  }

  /**
   * Google keeps cancelled events only for a while: after this, full listings
   * no longer carry them (and sync tokens from before are stale).
   */
  purgeCancelled(email: string, calendarId: string): void {
    const calendar = this.calendar(email, calendarId);
    for (const [id, stored] of calendar.events) if (stored.resource.status === "cancelled") calendar.events.delete(id);
    calendar.epoch++;
  }

  invalidateSyncTokens(calendarId?: string): void {
    for (const calendar of this.calendars.values()) if (!calendarId || calendar.id === calendarId) calendar.epoch++;
  }

  // ---- events -------------------------------------------------------------

  /** Stored events (series masters, not instances), cancelled ones included. */
  events(email: string, calendarId: string): GoogleEvent[] {
    return [...this.calendar(email, calendarId).events.values()].map((s) => structuredClone(s.resource));
  }

  getEvent(email: string, calendarId: string, eventId: string): GoogleEvent {
    const calendar = this.calendar(email, calendarId);
    const stored = calendar.events.get(eventId);
    if (stored) return structuredClone(stored.resource);
    const instance = this.generatedInstance(calendar, eventId);
    if (!instance) throw notFound();
    return instance;
  }

  insertEvent(email: string, calendarId: string, body: Partial<GoogleEvent>): GoogleEvent {
    const calendar = this.calendar(email, calendarId);
    const id = body.id ?? randomBytes(13).toString("hex");
    if (!EVENT_ID.test(id)) throw invalid("Invalid resource id value.");
    // Google keeps ids of deleted events reserved: re-inserting one is a conflict too.
    if (calendar.events.has(id)) throw new GoogleApiError(409, "duplicate", "The requested identifier already exists.");
    requireTimes(body);
    const now = new Date().toISOString();
    return this.store(calendar, {
      ...clientFields(body),
      id,
      status: body.status ?? "confirmed",
      created: now,
      iCalUID: `${id}@google.com`,
      sequence: 0,
    });
  }

  /** events.update: replaces the client fields; an update of a cancelled event revives it. */
  updateEvent(email: string, calendarId: string, eventId: string, body: Partial<GoogleEvent>, ifMatch?: string): GoogleEvent {
    const calendar = this.calendar(email, calendarId);
    const current = this.writable(calendar, eventId, ifMatch);
    requireTimes(body);
    refuseGmailChanges(current, body);
    return this.store(calendar, {
      ...seriesFields(current),
      ...clientFields(body),
      id: eventId,
      status: body.status ?? "confirmed",
      created: current.created,
      iCalUID: current.iCalUID,
      sequence: (current.sequence ?? 0) + 1,
    });
  }

  /** events.patch: merges the given fields (extendedProperties merged per key, as Google does). */
  patchEvent(email: string, calendarId: string, eventId: string, body: Partial<GoogleEvent>, ifMatch?: string): GoogleEvent {
    const calendar = this.calendar(email, calendarId);
    const current = this.writable(calendar, eventId, ifMatch);
    refuseGmailChanges(current, { ...current, ...body });
    const extendedProperties = body.extendedProperties
      ? {
          private: { ...current.extendedProperties?.private, ...body.extendedProperties.private },
          shared: { ...current.extendedProperties?.shared, ...body.extendedProperties.shared },
        }
      : current.extendedProperties;
    return this.store(calendar, {
      ...current,
      ...clientFields(body),
      id: eventId,
      extendedProperties,
      sequence: (current.sequence ?? 0) + 1,
    });
  }

  /**
   * events.move: the event, whole and under its id, now lives in `destination`;
   * the source calendar keeps a cancelled tombstone, so its change feed reports
   * the event gone. Only default events can be moved (Google's reference).
   */
  moveEvent(email: string, calendarId: string, eventId: string, destination: string): GoogleEvent {
    const source = this.calendar(email, calendarId);
    const target = this.calendar(email, destination);
    const current = source.events.get(eventId)?.resource;
    if (!current || current.status === "cancelled") throw notFound();
    if ((current.eventType ?? "default") !== "default") throw invalid("Only default events can be moved.");
    if (target.events.has(eventId)) throw new GoogleApiError(409, "duplicate", "The requested identifier already exists.");
    this.store(source, { ...current, status: "cancelled" });
    return this.store(target, { ...current, sequence: (current.sequence ?? 0) + 1 });
  }

  deleteEvent(email: string, calendarId: string, eventId: string, ifMatch?: string): void {
    const calendar = this.calendar(email, calendarId);
    const current = this.writable(calendar, eventId, ifMatch);
    if (current.status === "cancelled") throw new GoogleApiError(410, "deleted", "Resource has been deleted");
    this.store(calendar, { ...current, status: "cancelled" });
  }

  /**
   * events.list. Items are ordered by change sequence; page tokens carry the
   * sequence the listing started at and the last item returned, so changes
   * made while paging wait for the next incremental listing. Sync tokens carry
   * the calendar's epoch and the flags of the listing that issued them.
   */
  listEvents(email: string, calendarId: string, params: ListParams): object {
    const calendar = this.calendar(email, calendarId);
    const singleEvents = params.singleEvents === "true";
    const showDeleted = params.showDeleted === "true";
    const maxResults = Math.min(Number(params.maxResults ?? 250) || 250, 2500, this.maxPageSize);
    if (params.orderBy === "startTime" && !singleEvents) {
      throw invalid("The requested ordering is not available for the particular query.");
    }
    let since = 0;
    if (params.syncToken !== undefined) {
      const clash = INCOMPATIBLE_WITH_SYNC_TOKEN.filter((p) => params[p] !== undefined);
      if (clash.length) throw invalid(`The parameter(s) ${clash.join(", ")} cannot be used with syncToken.`);
      const token = decode<SyncToken>(params.syncToken);
      if (!token || token.c !== calendar.id || token.e !== calendar.epoch || token.s > this.seq) throw fullSyncRequired();
      // Deliberately strict: Google calls a change of these flags undefined behaviour.
      if (token.se !== singleEvents || token.sd !== showDeleted) {
        throw invalid("singleEvents and showDeleted must match the listing that issued the sync token.");
      }
      since = token.s;
    }
    const fingerprint = JSON.stringify({ ...params, pageToken: undefined, maxResults: undefined });
    let snapshot = this.seq;
    let after: [number, string] = [since, ""];
    if (params.pageToken !== undefined) {
      const page = decode<PageToken>(params.pageToken);
      if (!page || page.f !== fingerprint) throw invalid("Invalid page token value.");
      snapshot = page.snap;
      after = [page.seq, page.id];
    }
    const timeMin = parseBound(params.timeMin, "timeMin");
    const timeMax = parseBound(params.timeMax, "timeMax");
    const incremental = params.syncToken !== undefined;
    const items: { seq: number; resource: GoogleEvent }[] = [];
    for (const stored of calendar.events.values()) {
      if (stored.seq <= since || stored.seq > snapshot) continue;
      const cancelled = stored.resource.status === "cancelled";
      // Incremental listings always report deletions; full ones only with showDeleted.
      if (cancelled && !incremental && !showDeleted) continue;
      const expanded = singleEvents && stored.resource.recurrence ? this.instancesOf(calendar, stored.resource) : [stored.resource];
      for (const resource of expanded) {
        if (timeMin !== undefined && instantOf(resource.end, calendar.timeZone) <= timeMin) continue;
        if (timeMax !== undefined && instantOf(resource.start, calendar.timeZone) >= timeMax) continue;
        items.push({ seq: stored.seq, resource: cancelled ? tombstone(resource) : structuredClone(resource) });
      }
    }
    items.sort((a, b) => a.seq - b.seq || (a.resource.id < b.resource.id ? -1 : 1));
    const remaining = items.filter((i) => i.seq > after[0] || (i.seq === after[0] && i.resource.id > after[1]));
    const page = remaining.slice(0, maxResults);
    const last = page[page.length - 1];
    return {
      kind: "calendar#events",
      etag: `"${snapshot}"`,
      summary: calendar.summary,
      timeZone: calendar.timeZone,
      updated: new Date().toISOString(),
      accessRole: "owner",
      defaultReminders: [],
      items: page.map((i) => i.resource),
      ...(remaining.length > page.length
        ? { nextPageToken: encode<PageToken>({ snap: snapshot, seq: last.seq, id: last.resource.id, f: fingerprint }) }
        : { nextSyncToken: encode<SyncToken>({ c: calendar.id, e: calendar.epoch, s: snapshot, se: singleEvents, sd: showDeleted }) }),
    };
  }

  // ---- internals ----------------------------------------------------------

  private calendar(email: string, calendarId: string): CalendarData {
    const calendar = this.calendars.get(calendarId === "primary" ? email : calendarId);
    // Someone else's calendar looks like no calendar at all.
    if (!calendar || calendar.owner !== email) throw notFound();
    return calendar;
  }

  private publicCalendar({ events: _events, epoch: _epoch, ...calendar }: CalendarData): GoogleCalendar {
    return calendar;
  }

  /** The event a write applies to; an instance not yet stored becomes a stored exception. */
  private writable(calendar: CalendarData, eventId: string, ifMatch?: string): GoogleEvent {
    const current = calendar.events.get(eventId)?.resource ?? this.generatedInstance(calendar, eventId);
    if (!current) throw notFound();
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== current.etag) {
      throw new GoogleApiError(412, "conditionNotMet", "Precondition Failed");
    }
    return current;
  }

  private store(calendar: CalendarData, resource: GoogleEvent): GoogleEvent {
    const seq = ++this.seq;
    const stored: GoogleEvent = {
      ...resource,
      kind: "calendar#event",
      etag: `"${3_000_000_000_000_000 + seq}"`,
      updated: new Date().toISOString(),
    };
    calendar.events.set(stored.id, { resource: stored, seq });
    for (const listener of this.changeListeners) listener(calendar.id);
    return structuredClone(stored);
  }

  /** A series' instances; stored exceptions (changed or cancelled instances) replace generated ones. */
  private instancesOf(calendar: CalendarData, master: GoogleEvent): GoogleEvent[] {
    return expandInstances(master, calendar.timeZone)
      .filter((instance) => !calendar.events.has(instance.id))
      .map((instance) => (master.status === "cancelled" ? { ...instance, status: "cancelled" as const } : instance));
  }

  private generatedInstance(calendar: CalendarData, eventId: string): GoogleEvent | undefined {
    const separator = eventId.lastIndexOf("_");
    if (separator < 0) return undefined;
    const master = calendar.events.get(eventId.slice(0, separator))?.resource;
    if (!master?.recurrence) return undefined;
    return expandInstances(master, calendar.timeZone).find((instance) => instance.id === eventId);
  }
}

interface SyncToken {
  c: string;
  e: number;
  s: number;
  se: boolean;
  sd: boolean;
}
interface PageToken {
  snap: number;
  seq: number;
  id: string;
  f: string;
}

function encode<T>(value: T): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function decode<T>(token: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as T;
  } catch {
    return undefined;
  }
}
