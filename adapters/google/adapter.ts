import type { calendar_v3 } from "@googleapis/calendar";
import { eventIdForTaskId } from "../event-ids.js";
import {
  AlreadyExists,
  type CalendarAdapter,
  type CalendarEvent,
  type CalendarRef,
  type ChangePage,
  type ChangeQuery,
  type CreateResult,
  type EventBase,
  type EventData,
  NotFound,
  PreconditionFailed,
  type WatchChannel,
  type WatchRequest,
} from "../types.js";
import type { GoogleAccount } from "./account.js";
import { fromGoogleEvent, toGoogleEvent } from "./event-mapping.js";

/** Largest page Google serves for events.list and calendarList.list. */
const EVENTS_PAGE = 250;
const CALENDAR_LIST_PAGE = 250;
/** A listing's answer without the calendar's own fields (summary, time zone, reminders, ...): a quiet poll's answer is the token alone. */
const LIST_FIELDS = "nextPageToken,nextSyncToken,items";

/** One adapter on one Google account; the account (client, tokens, pacer) is shared with its siblings. */
export class GoogleAdapter implements CalendarAdapter {
  readonly provider = "google";

  constructor(private readonly account: GoogleAccount) {}

  private get api(): calendar_v3.Calendar {
    return this.account.api;
  }

  async accountId(): Promise<string> {
    // The primary calendar's id is the account's e-mail.
    const calendar = await this.account.call(
      "calendars.get",
      "read",
      this.account.leanGet<calendar_v3.Schema$Calendar>("calendar/v3/calendars/primary", { fields: "id" }),
    );
    this.account.learnIdentity(calendar.id!);
    return calendar.id!;
  }

  pollTurn(): Promise<void> | undefined {
    return this.account.pollTurn();
  }

  async listCalendars(): Promise<CalendarRef[]> {
    const calendars: CalendarRef[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.account.call("calendarList.list", "read", () =>
        this.api.calendarList.list({ maxResults: CALENDAR_LIST_PAGE, pageToken }),
      );
      for (const entry of page.items ?? []) {
        calendars.push({
          id: entry.id!,
          name: entry.summary ?? entry.id!,
          created: false,
          writable: entry.accessRole === "owner" || entry.accessRole === "writer",
        });
      }
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return calendars;
  }

  async findCalendar(name: string): Promise<CalendarRef | null> {
    let pageToken: string | undefined;
    do {
      const page = await this.account.call("calendarList.list", "read", () =>
        this.api.calendarList.list({ maxResults: CALENDAR_LIST_PAGE, pageToken }),
      );
      const found = page.items?.find((entry) => entry.summary === name);
      if (found) return { id: found.id!, name, created: false, writable: found.accessRole === "owner" || found.accessRole === "writer" };
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return null;
  }

  async findOrCreateCalendar(name: string): Promise<CalendarRef> {
    const found = await this.findCalendar(name);
    if (found) return found;
    const created = await this.account.call("calendars.insert", "write", () => this.api.calendars.insert({ requestBody: { summary: name } }));
    return { id: created.id!, name, created: true, writable: true };
  }

  eventIdForTask(taskId: string, calendarId: string): string {
    return eventIdForTaskId(taskId, calendarId);
  }

  /** Occurrences of a series are `<series id>_<original start>` (singleEvents expansion). */
  occurrenceIdPrefix(seriesId: string): string {
    return `${seriesId}_`;
  }

  async listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage> {
    // The first page of an incremental listing is a poll; a full listing or a later page is work under way.
    const poll = query.syncToken !== undefined && query.pageToken === undefined;
    // Only a routine poll may wait for others to share a batch request (poll-batcher.ts): a notice's pull goes at once.
    const batchable = poll && query.routine === true;
    // singleEvents and showDeleted must be the same in full and incremental
    // listings; beside a sync token Google forbids timeMin (and orderBy, q, ...).
    const page = await this.account.call(
      "events.list",
      "read",
      this.account.leanGet<calendar_v3.Schema$Events>(
        `calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`,
        {
          singleEvents: true,
          showDeleted: true,
          maxResults: EVENTS_PAGE,
          fields: LIST_FIELDS,
          pageToken: query.pageToken,
          ...(query.syncToken !== undefined ? { syncToken: query.syncToken } : { timeMin: query.windowStart }),
        },
        batchable,
      ),
      poll,
    );
    const events: CalendarEvent[] = [];
    const deletedIds: string[] = [];
    for (const item of page.items ?? []) {
      if (item.status === "cancelled") deletedIds.push(item.id!);
      else events.push(fromGoogleEvent(item));
    }
    return {
      events,
      deletedIds,
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
      ...(page.nextSyncToken ? { syncToken: page.nextSyncToken } : {}),
    };
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null> {
    const event = await this.fetch(calendarId, eventId);
    return event && event.status !== "cancelled" ? fromGoogleEvent(event) : null;
  }

  async createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult> {
    try {
      const event = await this.account.call("events.insert", "write", () =>
        this.api.events.insert({ calendarId, sendUpdates: "none", requestBody: { ...toGoogleEvent(data), id: eventId } }),
      );
      return { event: fromGoogleEvent(event), created: true };
    } catch (error) {
      if (!(error instanceof AlreadyExists)) throw error;
    }
    // The id is ours, so the event is ours: an earlier attempt got through, or it was deleted since.
    const existing = await this.fetch(calendarId, eventId);
    if (!existing) {
      // Google reserves ids per account: the id lives in another calendar of it.
      throw new AlreadyExists(`events.insert: event id ${eventId} is taken outside calendar ${calendarId}`, 409);
    }
    if (existing.status !== "cancelled") return { event: fromGoogleEvent(existing), created: false };
    const revived = await this.update(calendarId, eventId, data, existing);
    return { event: revived, created: true };
  }

  async updateEvent(calendarId: string, eventId: string, data: EventData, base: EventBase): Promise<CalendarEvent> {
    let resource = base.resource as calendar_v3.Schema$Event | undefined;
    if (!resource) {
      // Never overwrite what we have not seen: an update replaces the whole resource.
      const current = await this.fetch(calendarId, eventId);
      if (!current || current.status === "cancelled") throw new NotFound(`event ${eventId} does not exist`, 404);
      if (current.etag !== base.etag) throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
      resource = current;
    }
    return this.update(calendarId, eventId, data, { ...resource, etag: base.etag });
  }

  async moveEvent(fromCalendarId: string, eventId: string, toCalendarId: string): Promise<CalendarEvent> {
    const moved = await this.account.call("events.move", "write", () =>
      this.api.events.move({ calendarId: fromCalendarId, eventId, destination: toCalendarId, sendUpdates: "none" }),
    );
    return fromGoogleEvent(moved);
  }

  async deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void> {
    try {
      await this.account.call("events.delete", "write", () =>
        this.api.events.delete({ calendarId, eventId, sendUpdates: "none" }, etag ? { headers: { "If-Match": etag } } : {}),
      );
    } catch (error) {
      // 404 and 410 (already deleted): the event is gone, which is what was asked.
      if (!(error instanceof NotFound)) throw error;
    }
  }

  async watch(calendarId: string, request: WatchRequest): Promise<WatchChannel> {
    const channel = await this.account.call("events.watch", "write", () =>
      this.api.events.watch({
        calendarId,
        requestBody: {
          id: request.channelId,
          type: "web_hook",
          address: request.address,
          token: request.token,
          ...(request.ttlSeconds !== undefined ? { params: { ttl: String(request.ttlSeconds) } } : {}),
        },
      }),
    );
    return {
      channelId: channel.id!,
      resourceId: channel.resourceId!,
      ...(channel.expiration ? { expiresAt: new Date(Number(channel.expiration)).toISOString() } : {}),
    };
  }

  async stopWatch(channel: WatchChannel): Promise<void> {
    try {
      await this.account.call("channels.stop", "write", () =>
        this.api.channels.stop({ requestBody: { id: channel.channelId, resourceId: channel.resourceId } }),
      );
    } catch (error) {
      // A channel Google no longer knows sends nothing either.
      if (!(error instanceof NotFound)) throw error;
    }
  }

  /**
   * One events.update (not patch: Google counts a patch as three quota units
   * and recommends get then update) of the whole resource, conditional on its
   * etag, telling no attendee (R18).
   */
  private async update(calendarId: string, eventId: string, data: EventData, base: calendar_v3.Schema$Event): Promise<CalendarEvent> {
    const event = await this.account.call("events.update", "write", () =>
      this.api.events.update(
        { calendarId, eventId, sendUpdates: "none", requestBody: toGoogleEvent(data, base) },
        { headers: { "If-Match": base.etag! } },
      ),
    );
    return fromGoogleEvent(event);
  }

  /** The raw event, cancelled ones included; null when Google has none under that id. */
  private async fetch(calendarId: string, eventId: string): Promise<calendar_v3.Schema$Event | null> {
    try {
      return await this.account.call("events.get", "read", () => this.api.events.get({ calendarId, eventId }));
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }
}
