// The provider-neutral calendar interface. Modelled on CalDAV: calendar
// collections, resources with ids and etags, and a sync-collection style
// change feed. Nothing provider-specific crosses this file.

/** A point in time of an event: a whole day, or an instant with its zone. */
export type EventTime =
  | { date: string } // YYYY-MM-DD; as an end it is exclusive (iCalendar and Google agree)
  | { dateTime: string; timeZone?: string }; // ISO 8601 with offset; timeZone is IANA

/** What a caller writes. */
export interface EventData {
  summary: string;
  description?: string;
  location?: string;
  start: EventTime;
  end: EventTime;
  /** Private key/value pairs only this application sees (Google's extendedProperties.private, X- properties in iCalendar). */
  privateProperties?: Record<string, string>;
}

/** What a provider returns. */
export interface CalendarEvent extends EventData {
  id: string;
  etag: string;
  /** ISO 8601 time of the last change, as the provider reports it. */
  updated?: string;
  /** Set on one occurrence of a recurring series: the id of the series. */
  recurringEventId?: string;
  /** The occurrence's original start within its series. */
  originalStart?: EventTime;
}

export interface CalendarRef {
  id: string;
  name: string;
  /** True when findOrCreateCalendar had to create it. */
  created: boolean;
}

export interface ChangeQuery {
  /** Incremental listing since this token. Absent: a full listing. */
  syncToken?: string;
  /** Full listing only: events ending before this ISO instant are left out. */
  windowStart?: string;
  /** Continue a listing started with the same query. */
  pageToken?: string;
}

export interface ChangePage {
  /** Live events, created or changed. Recurring series come expanded into their occurrences. */
  events: CalendarEvent[];
  /** Ids of events that were deleted (or cancelled). */
  deletedIds: string[];
  /** Set when another page follows. */
  nextPageToken?: string;
  /** Set on the last page: the token for the next incremental listing. */
  syncToken?: string;
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

  /** A stable identity of the account (an e-mail, a principal URL), to detect two bindings on one calendar. */
  accountId(): Promise<string>;

  /** Finds a calendar by display name (every page), creating it when missing. */
  findOrCreateCalendar(name: string): Promise<CalendarRef>;

  /** The event id this provider uses for a task: derived from the task id, so a repeated insert is safe. */
  eventIdForTask(taskId: string): string;

  /**
   * For providers whose change feed may report a deleted series by its id
   * alone: the prefix every occurrence id of that series starts with.
   */
  occurrenceIdPrefix?(seriesId: string): string;

  listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage>;

  getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null>;

  /**
   * Creates an event under a caller-chosen id. Idempotent: when the id is
   * taken, the existing event is returned (`created: false`); a deleted one is
   * revived with `data`.
   */
  createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult>;

  /** Replaces an event's data if its etag still matches; PreconditionFailed otherwise. */
  updateEvent(calendarId: string, eventId: string, data: EventData, etag: string): Promise<CalendarEvent>;

  /** Deletes an event (if `etag` is given, only when it still matches). An event already gone is success. */
  deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void>;

  /** Starts push notifications for a calendar, where the provider has them. */
  watch?(calendarId: string, request: WatchRequest): Promise<WatchChannel>;
  stopWatch?(channel: WatchChannel): Promise<void>;
}

export interface GoogleCredentials {
  provider: "google";
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface CalDavCredentials {
  provider: "caldav";
  serverUrl: string;
  username: string;
  password: string;
}

export interface MemoryCredentials {
  provider: "memory";
  account: string;
}

export type AccountCredentials = GoogleCredentials | CalDavCredentials | MemoryCredentials;

/** Makes adapters for accounts; the engine gets one of these, never a provider module. */
export type AdapterFactory = (credentials: AccountCredentials) => CalendarAdapter;

// ---- normalized errors -------------------------------------------------

export type AdapterErrorCode =
  | "RateLimited"
  | "Transient"
  | "AuthRevoked"
  | "SyncTokenExpired"
  | "PreconditionFailed"
  | "NotFound"
  | "AlreadyExists"
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
  constructor(message: string, status?: number, readonly retryAfterMs?: number) {
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
/** Won't succeed by retrying: bad request, missing permission, calendar gone. */
export class Permanent extends AdapterError {
  readonly code = "Permanent";
  readonly retryable = false;
}
