// One Microsoft 365 account's calendars through Microsoft Graph v1.0, on the
// public provider interface alone. Graph assigns event ids, so the id taskcal
// asks for is a creation key stored on the event (KEY_PROPERTY) and used to
// find it again; changes come from calendarView delta rounds; push channels
// are Graph subscriptions.
import { createHash, randomUUID } from "node:crypto";
import {
  type CalendarAdapter,
  type CalendarEvent,
  type CalendarRef,
  type ChangePage,
  type ChangeQuery,
  type CreateResult,
  type EventBase,
  type EventData,
  NotFound,
  SyncTokenExpired,
  type WatchChannel,
  type WatchRequest,
} from "../public.js";
import { decodeToken, encodeToken, roundFor, roundServes } from "./delta-round.js";
import { EXPAND_PROPERTIES, fromGraphEvent, type GraphEvent, KEY_PROPERTY, privatePropertiesOf, toGraphEvent } from "./event-mapping.js";
import type { GraphMailbox } from "./mailbox.js";

interface GraphPage<T> {
  value: T[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

interface GraphCalendar {
  id: string;
  name: string;
  canEdit?: boolean;
}

interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

/** Outlook subscriptions to events last at most 4,230 minutes (the stored docs; newer ones say 10,080): a little less. */
const SUBSCRIPTION_MINUTES = 4_200;
const CALENDAR_PAGE = 100;
/** Creation keys are hex digests; Graph's ids are base64 and never look like one. */
const CREATION_KEY = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const enc = encodeURIComponent;
const quoted = (value: string) => value.replace(/'/g, "''");

export class MicrosoftAdapter implements CalendarAdapter {
  readonly provider = "microsoft";
  readonly assignsEventIds = true;

  constructor(
    private readonly mailbox: GraphMailbox,
    private readonly pageSize: number,
  ) {}

  async accountId(): Promise<string> {
    // The user's object id: stable across renames of the mailbox address.
    const me = await this.mailbox.call<{ id: string }>("me", { path: "me?$select=id", priority: "read" });
    return me.id;
  }

  async findOrCreateCalendar(name: string): Promise<CalendarRef> {
    const found = await this.findCalendar(name);
    if (found) return found;
    try {
      const created = await this.mailbox.call<GraphCalendar>("calendars.create", {
        method: "POST",
        path: "me/calendars",
        priority: "write",
        body: { name },
      });
      return { id: created.id, name, created: true, writable: true };
    } catch (error) {
      // Made meanwhile (names are unique per mailbox, without regard to case: ErrorFolderExists).
      const again = await this.findCalendar(name);
      if (again) return again;
      throw error;
    }
  }

  /**
   * The calendar of that name, if the mailbox has one (a connection test creates nothing): every page of the
   * calendar list, an exact name first, else the one Outlook counts as the same (case aside).
   */
  async findCalendar(name: string): Promise<CalendarRef | null> {
    const calendars = await this.graphCalendars();
    const found = calendars.find((c) => c.name === name) ?? calendars.find((c) => c.name.toLowerCase() === name.toLowerCase());
    return found ? { id: found.id, name, created: false, writable: found.canEdit !== false } : null;
  }

  async listCalendars(): Promise<CalendarRef[]> {
    return (await this.graphCalendars()).map((c) => ({ id: c.id, name: c.name, created: false, writable: c.canEdit !== false }));
  }

  /** Every page of the mailbox's calendar list. */
  private async graphCalendars(): Promise<GraphCalendar[]> {
    const calendars: GraphCalendar[] = [];
    for (let path: string | undefined = `me/calendars?$top=${CALENDAR_PAGE}`; path; ) {
      const page: GraphPage<GraphCalendar> = await this.mailbox.call("calendars.list", { path, priority: "read" });
      calendars.push(...page.value);
      path = page["@odata.nextLink"];
    }
    return calendars;
  }

  /** The creation key of a task's event in a calendar (stored on the event, also the create's transactionId). */
  eventIdForTask(taskId: string, calendarId: string): string {
    return createHash("sha256").update(`${taskId}\n${calendarId}`).digest("hex").slice(0, 40);
  }

  async listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage> {
    const wanted = roundFor(query.windowStart, Date.now());
    let link: string;
    let round = wanted;
    if (query.pageToken) ({ link, round } = decodeToken(query.pageToken));
    else if (query.syncToken) {
      ({ link, round } = decodeToken(query.syncToken));
      if (!roundServes(round, wanted)) {
        throw new SyncTokenExpired(
          `the delta round's window (from ${round.start}) no longer matches the sync window (from ${wanted.start}): a new round starts`,
        );
      }
    } else {
      link = `me/calendars/${enc(calendarId)}/calendarView/delta?startDateTime=${enc(round.start)}&endDateTime=${enc(round.end)}`;
    }
    const page = await this.mailbox.call<GraphPage<GraphEvent>>("calendarView.delta", { path: link, priority: "read", maxPageSize: this.pageSize });
    const events: CalendarEvent[] = [];
    const deletedIds: string[] = [];
    for (const item of page.value) {
      if (item["@removed"] || item.isCancelled) deletedIds.push(item.id);
      else if (item.type !== "seriesMaster") {
        // Delta pages carry no extended properties: a single event or an exception (which taskcal may have written, its task id
        // on it) is partial. A plain occurrence is the series' own, never written by taskcal.
        events.push(item.type === "occurrence" ? fromGraphEvent(item) : { ...fromGraphEvent(item), partial: true });
      }
    }
    const next = page["@odata.nextLink"];
    const delta = page["@odata.deltaLink"];
    return {
      events,
      deletedIds,
      ...(next ? { nextPageToken: encodeToken({ link: next, round }) } : {}),
      ...(delta ? { syncToken: encodeToken({ link: delta, round }) } : {}),
    };
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null> {
    const event = await this.read(calendarId, eventId);
    return event ? fromGraphEvent(event) : null;
  }

  async createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult> {
    // transactionId only folds retried POSTs of this call together; after a crash the key finds the event.
    const existing = await this.byKey(calendarId, eventId);
    if (existing) return { event: fromGraphEvent(existing), created: false };
    const body = toGraphEvent(data);
    const properties = (body.singleValueExtendedProperties as { id: string; value: string }[] | undefined) ?? [];
    const created = await this.mailbox.call<GraphEvent>("events.create", {
      method: "POST",
      path: `me/calendars/${enc(calendarId)}/events`,
      priority: "write",
      body: {
        ...body,
        transactionId: `${eventId}-${randomUUID()}`,
        singleValueExtendedProperties: [...properties, { id: KEY_PROPERTY, value: eventId }],
      },
    });
    // A create's answer does not expand extended properties: they are what was just written.
    return {
      event: { ...fromGraphEvent(created), ...(data.privateProperties ? { privateProperties: { ...data.privateProperties } } : {}) },
      created: true,
    };
  }

  async updateEvent(calendarId: string, eventId: string, data: EventData, base: EventBase): Promise<CalendarEvent> {
    const id = CREATION_KEY.test(eventId) ? (await this.byKey(calendarId, eventId))?.id : eventId;
    if (!id) throw new NotFound(`event ${eventId} does not exist`, 404);
    const known = privatePropertiesOf(base.resource as GraphEvent | undefined);
    const written = data.privateProperties ? { ...known, ...data.privateProperties } : undefined;
    // PATCH names only what taskcal owns, so attendees, categories and the rest stay as they are (R18); If-Match keeps it from
    // overwriting a change made since base was read (412, or 409 ErrorIrresolvableConflict: PreconditionFailed).
    const updated = await this.mailbox.call<GraphEvent>("events.update", {
      method: "PATCH",
      path: `me/calendars/${enc(calendarId)}/events/${enc(id)}?$expand=${enc(EXPAND_PROPERTIES)}`,
      priority: "write",
      body: toGraphEvent(data, known),
      ifMatch: base.etag || undefined,
    });
    const event = fromGraphEvent(updated);
    return event.privateProperties || !written ? event : { ...event, privateProperties: written };
  }

  async deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void> {
    const id = CREATION_KEY.test(eventId) ? (await this.byKey(calendarId, eventId))?.id : eventId;
    if (!id) return;
    try {
      await this.mailbox.call("events.delete", {
        method: "DELETE",
        path: `me/calendars/${enc(calendarId)}/events/${enc(id)}`,
        priority: "write",
        ifMatch: etag,
      });
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
  }

  async watch(calendarId: string, request: WatchRequest): Promise<WatchChannel> {
    const minutes = Math.min(SUBSCRIPTION_MINUTES, Math.floor((request.ttlSeconds ?? Number.POSITIVE_INFINITY) / 60));
    const subscription = await this.mailbox.call<GraphSubscription>("subscriptions.create", {
      method: "POST",
      path: "subscriptions",
      priority: "write",
      body: {
        changeType: "created,updated,deleted",
        notificationUrl: request.address,
        lifecycleNotificationUrl: request.address,
        resource: `me/calendars/${calendarId}/events`,
        expirationDateTime: new Date(Date.now() + minutes * 60_000).toISOString(),
        // Echoed with every notice: our channel and its signed token (checked before anything is done with the notice).
        clientState: `${request.channelId}.${request.token}`,
      },
    });
    return { channelId: request.channelId, resourceId: subscription.id, expiresAt: new Date(subscription.expirationDateTime).toISOString() };
  }

  async renewWatch(channel: WatchChannel, ttlSeconds?: number): Promise<WatchChannel> {
    const minutes = Math.min(SUBSCRIPTION_MINUTES, Math.floor((ttlSeconds ?? Number.POSITIVE_INFINITY) / 60));
    const renewed = await this.mailbox.call<GraphSubscription>("subscriptions.update", {
      method: "PATCH",
      path: `subscriptions/${enc(channel.resourceId)}`,
      priority: "write",
      body: { expirationDateTime: new Date(Date.now() + minutes * 60_000).toISOString() },
    });
    return { ...channel, expiresAt: new Date(renewed.expirationDateTime).toISOString() };
  }

  async stopWatch(channel: WatchChannel): Promise<void> {
    try {
      await this.mailbox.call("subscriptions.delete", { method: "DELETE", path: `subscriptions/${enc(channel.resourceId)}`, priority: "write" });
    } catch (error) {
      // A subscription Graph no longer knows sends nothing either.
      if (!(error instanceof NotFound)) throw error;
    }
  }

  /** An event by Graph id or creation key, with taskcal's properties; null when there is none (or it was cancelled). */
  private async read(calendarId: string, eventId: string): Promise<GraphEvent | null> {
    if (CREATION_KEY.test(eventId)) return this.byKey(calendarId, eventId);
    try {
      const event = await this.mailbox.call<GraphEvent>("events.get", {
        path: `me/calendars/${enc(calendarId)}/events/${enc(eventId)}?$expand=${enc(EXPAND_PROPERTIES)}`,
        priority: "read",
      });
      return event.isCancelled ? null : event;
    } catch (error) {
      if (error instanceof NotFound) return null;
      throw error;
    }
  }

  /** The event a create with this key made, found by its extended property. */
  private async byKey(calendarId: string, key: string): Promise<GraphEvent | null> {
    const filter = `singleValueExtendedProperties/any(ep: ep/id eq '${quoted(KEY_PROPERTY)}' and ep/value eq '${quoted(key)}')`;
    const page = await this.mailbox.call<GraphPage<GraphEvent>>("events.list", {
      path: `me/calendars/${enc(calendarId)}/events?$filter=${enc(filter)}&$expand=${enc(EXPAND_PROPERTIES)}&$top=2`,
      priority: "read",
    });
    return page.value.find((event) => !event.isCancelled) ?? null;
  }
}
