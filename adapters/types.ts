// The provider-neutral calendar interface. Modelled on CalDAV: calendar
// collections, resources with ids and etags, and a sync-collection style
// change feed. Nothing provider-specific crosses this file.

/** A point in time of an event: a whole day, or an instant with its zone. */
export type EventTime =
  | { date: string } // YYYY-MM-DD; as an end it is exclusive (iCalendar and Google agree)
  | { dateTime: string; timeZone?: string }; // ISO 8601 with offset; timeZone is IANA

/**
 * What a caller writes: the fields it owns. A field left undefined is not the
 * caller's (a location the binding does not show): an update keeps whatever
 * the calendar holds there.
 */
export interface EventData {
  summary: string;
  description?: string;
  location?: string;
  start: EventTime;
  end: EventTime;
  /** Private key/value pairs only this application sees (Google's extendedProperties.private, X- properties in iCalendar). */
  privateProperties?: Record<string, string>;
}

/**
 * What an update starts from: the event as the caller last saw it. `resource`
 * is the provider's whole representation, opaque to callers, handed back so
 * that everything the caller does not own (attendees, reminders, colour,
 * alarms, conference data) survives the write (R18).
 */
export interface EventBase {
  etag: string;
  resource?: unknown;
}

/** What a provider returns. */
export interface CalendarEvent extends EventData, EventBase {
  id: string;
  /** ISO 8601 time of the last change, as the provider reports it. */
  updated?: string;
  /** Set on one occurrence of a recurring series: the id of the series. */
  recurringEventId?: string;
  /** The occurrence's original start within its series. */
  originalStart?: EventTime;
  /** The provider lets this application read the event but not change it (Google's events from Gmail). */
  readOnly?: boolean;
  /** A status rather than an appointment (out of office, focus time, working location, birthdays): not synced. */
  statusOnly?: boolean;
  /**
   * From a change listing that leaves out privateProperties (Microsoft
   * Graph's delta cannot expand them). The caller matches the event to what
   * it knows by its id, and reads an event it does not know by id
   * (getEvent) to learn whose it is.
   */
  partial?: boolean;
}

export interface CalendarRef {
  id: string;
  name: string;
  /** True when findOrCreateCalendar had to create it. */
  created: boolean;
  /** False when the account may only read the calendar; absent when the provider does not say. */
  writable?: boolean;
}

export interface ChangeQuery {
  /** Incremental listing since this token. Absent: a full listing. */
  syncToken?: string;
  /**
   * The start of the caller's sync window (ISO instant). A full listing
   * leaves out events that ended before it. A provider whose change tracking
   * is bound to the window it began with (Graph's calendarView delta) ends an
   * incremental listing with SyncTokenExpired once the window has moved
   * further than it allows: the caller then lists in full, from the new
   * window, and matches what it finds to what it knows.
   */
  windowStart?: string;
  /** Continue a listing started with the same query. */
  pageToken?: string;
  /**
   * The etags the caller already holds for some of `ids` (events it wrote
   * itself or read before). A provider that learns ids and etags before it
   * fetches events (CalDAV) leaves out an event whose etag matches and names
   * it in ChangePage.unchangedIds instead, sparing the fetch of what the
   * caller has; providers that fetch events whole ignore it.
   */
  knownEtags?: (ids: string[]) => Promise<ReadonlyMap<string, string>>;
  /**
   * A routine poll: no push notice came for the calendar since the last
   * one. A provider may hold such a listing a moment to carry it with
   * others; the pull a notice asked for goes at once.
   */
  routine?: boolean;
}

export interface ChangePage {
  /** Live events, created or changed. Recurring series come expanded into their occurrences. */
  events: CalendarEvent[];
  /** Ids of events that were deleted (or cancelled). */
  deletedIds: string[];
  /** Listed events left out because their etag is the one ChangeQuery.knownEtags gave: still there, unchanged. */
  unchangedIds?: string[];
  /** Set when another page follows. */
  nextPageToken?: string;
  /** Set on the last page: the token for the next incremental listing. */
  syncToken?: string;
  /** Items the provider could not turn into events (a malformed iCalendar resource): reported, not skipped silently. */
  unreadable?: { id: string; message: string }[];
}

export interface WatchRequest {
  /** Our id for the channel (a UUID). */
  channelId: string;
  /** HTTPS address that receives notifications. */
  address: string;
  /** Shared secret echoed back with each notification. */
  token: string;
  ttlSeconds?: number;
}

export interface WatchChannel {
  channelId: string;
  resourceId: string;
  /** ISO instant when the provider stops sending. */
  expiresAt?: string;
}

export interface CreateResult {
  event: CalendarEvent;
  /** False when an event with that id already existed and was adopted as it was. */
  created: boolean;
}

/**
 * One account on one provider. Instances are cheap; shared state (pacing,
 * tokens) lives behind the factory that makes them.
 */
export interface CalendarAdapter {
  readonly provider: string;

  /**
   * The provider gives events ids of its own (Microsoft Graph): the id
   * createEvent is asked for is then a creation key — stored on the event,
   * so a repeated create finds its first attempt, and accepted wherever an
   * event id is (getEvent, updateEvent, deleteEvent) — and the event comes
   * back under the provider's id.
   */
  readonly assignsEventIds?: boolean;

  /** A stable identity of the account (an e-mail, a principal URL), to detect two bindings on one calendar. */
  accountId(): Promise<string>;

  /** Finds a calendar by display name (every page), creating it when missing. */
  findOrCreateCalendar(name: string): Promise<CalendarRef>;

  /** Finds a calendar by display name without creating anything (connection tests); null when the account has none of that name. */
  findCalendar?(name: string): Promise<CalendarRef | null>;

  /** Every calendar of the account (every page), without creating anything: what an administrator picks a binding's calendar from. */
  listCalendars?(): Promise<CalendarRef[]>;

  /**
   * The event id this provider uses for a task in a calendar: derived from
   * both, so a repeated insert is safe (R13) and a task that lands in another
   * calendar can never meet a cancelled copy of itself there.
   */
  eventIdForTask(taskId: string, calendarId: string): string;

  /**
   * For providers whose change feed may report a deleted series by its id
   * alone: the prefix every occurrence id of that series starts with.
   */
  occurrenceIdPrefix?(seriesId: string): string;

  listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage>;

  /**
   * Where the provider's pace is short (many calendars polled on one quota): a
   * promise that resolves when a routine poll may begin without joining a
   * long queue of calls waiting for their turn; undefined when it may begin
   * now. A poll waiting here holds nothing but a callback, where a poll
   * waiting in the queue holds its whole pass suspended (thousands at once
   * at start-up).
   */
  pollTurn?(): Promise<void> | undefined;

  getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null>;

  /**
   * Creates an event under a caller-chosen id (or creation key, see
   * assignsEventIds). Idempotent: when the id is taken, the existing event is
   * returned (`created: false`); a deleted one is revived with `data` (or
   * made anew, where deletions are final).
   */
  createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult>;

  /**
   * Writes `data` over the event as `base` shows it, if its etag still
   * matches (PreconditionFailed otherwise). Only the fields `data` owns change;
   * the rest of `base.resource` is kept. Without a resource the provider reads
   * the event first rather than overwrite what it does not know.
   */
  updateEvent(calendarId: string, eventId: string, data: EventData, base: EventBase): Promise<CalendarEvent>;

  /** Deletes an event (if `etag` is given, only when it still matches). An event already gone is success. */
  deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void>;

  /**
   * Moves an event whole (attendees and all) to another calendar of the same
   * account, where the provider can; the event keeps its id.
   */
  moveEvent?(fromCalendarId: string, eventId: string, toCalendarId: string): Promise<CalendarEvent>;

  /** Starts push notifications for a calendar, where the provider has them. */
  watch?(calendarId: string, request: WatchRequest): Promise<WatchChannel>;
  /**
   * Extends a channel before it expires, where the provider can (Graph's
   * subscriptions); NotFound when the provider no longer knows it, and the
   * caller opens a new one.
   */
  renewWatch?(channel: WatchChannel, ttlSeconds?: number): Promise<WatchChannel>;
  stopWatch?(channel: WatchChannel): Promise<void>;
}

// ---- normalized errors -------------------------------------------------

export type AdapterErrorCode =
  | "RateLimited"
  | "Transient"
  | "AuthRevoked"
  | "SyncTokenExpired"
  | "PreconditionFailed"
  | "NotFound"
  | "AlreadyExists"
  | "PermissionDenied"
  | "Permanent";

/** Every adapter failure is one of these. Messages never contain secrets. */
export abstract class AdapterError extends Error {
  abstract readonly code: AdapterErrorCode;
  /** True when repeating the call later can succeed. */
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** HTTP status of the provider answer, when there was one. */
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class RateLimited extends AdapterError {
  readonly code = "RateLimited";
  readonly retryable = true;
  constructor(
    message: string,
    status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message, status);
  }
}
export class Transient extends AdapterError {
  readonly code = "Transient";
  readonly retryable = true;
}
export class AuthRevoked extends AdapterError {
  readonly code = "AuthRevoked";
  readonly retryable = false;
}
export class SyncTokenExpired extends AdapterError {
  readonly code = "SyncTokenExpired";
  readonly retryable = false;
}
export class PreconditionFailed extends AdapterError {
  readonly code = "PreconditionFailed";
  readonly retryable = false;
}
export class NotFound extends AdapterError {
  readonly code = "NotFound";
  readonly retryable = false;
}
export class AlreadyExists extends AdapterError {
  readonly code = "AlreadyExists";
  readonly retryable = false;
}
/** The account may not do this (HTTP 403 that is not a rate limit): about one item, or the whole calendar when it repeats. */
export class PermissionDenied extends AdapterError {
  readonly code = "PermissionDenied";
  readonly retryable = false;
}
/** Won't succeed by retrying: a request the provider refuses (HTTP 400), data it cannot read. */
export class Permanent extends AdapterError {
  readonly code = "Permanent";
  readonly retryable = false;
}
