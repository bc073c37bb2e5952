// CalendarAdapter over CalDAV (RFC 4791). Calendar ids are collection paths;
// an event id names its resource (`<id>.ics`, UID = id) and, for one
// occurrence of a series, `<id>@<recurrence id>`. Every write is conditional
// on an ETag, so a change someone else made in between is never overwritten.
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
  Permanent,
  PreconditionFailed,
} from "../types.js";
import { etagScanChanges, type ResourceChanges, resourceUrl, type SyncStrategy, strategyOfToken, syncCollectionChanges } from "./change-feed.js";
import type { DavClient } from "./dav-client.js";
import { discoverCalendarHome, discoverPrincipal, findCalendar, findOrCreateCalendar, listCalendars, supportsSyncCollection } from "./discovery.js";
import { applyEventData, type Component, newCalendar, newEvent, parseCalendar } from "./ical-mapping.js";
import {
  type ExpansionRange,
  eventInResource,
  eventsOfResource,
  excludeOccurrence,
  masterOf,
  occurrenceId,
  overrideOccurrence,
  splitEventId,
} from "./recurrence.js";

export interface CalDavAdapterSettings {
  /** "auto" asks the collection whether it offers sync-collection. */
  syncStrategy: SyncStrategy | "auto";
  /** Resources per page of a sync-collection listing (a series counts once, however many occurrences it has). */
  pageSize: number;
  /** Series are expanded this far ahead (and, without a windowStart, back). */
  expansionDays: number;
}

const DAY = 86_400_000;

function ifMatch(etag: string): string {
  return etag.startsWith('"') || etag.startsWith("W/") ? etag : `"${etag}"`;
}

export class CalDavAdapter implements CalendarAdapter {
  readonly provider = "caldav";
  private principal?: Promise<URL>;
  private readonly strategies = new Map<string, Promise<SyncStrategy>>();

  constructor(
    private readonly client: DavClient,
    private readonly settings: CalDavAdapterSettings,
  ) {}

  /** Discovery is cached, but a failed attempt is retried next time. */
  private principalUrl(): Promise<URL> {
    this.principal ??= discoverPrincipal(this.client).catch((error) => {
      this.principal = undefined;
      throw error;
    });
    return this.principal;
  }

  async accountId(): Promise<string> {
    return (await this.principalUrl()).href;
  }

  async findOrCreateCalendar(name: string): Promise<CalendarRef> {
    const home = await discoverCalendarHome(this.client, await this.principalUrl());
    return findOrCreateCalendar(this.client, home, name);
  }

  async findCalendar(name: string): Promise<CalendarRef | null> {
    const home = await discoverCalendarHome(this.client, await this.principalUrl());
    return findCalendar(this.client, home, name);
  }

  async listCalendars(): Promise<CalendarRef[]> {
    return listCalendars(this.client, await discoverCalendarHome(this.client, await this.principalUrl()));
  }

  /** Resource names are per collection, so the task id alone never meets a copy of itself elsewhere. */
  eventIdForTask(taskId: string): string {
    return taskId;
  }

  /** A resource deleted (or cancelled) whole is reported by its id only; its occurrences are `<id>@<recurrence id>`. */
  occurrenceIdPrefix(seriesId: string): string {
    return occurrenceId(seriesId, "");
  }

  private collection(calendarId: string): URL {
    return this.client.resolve(calendarId.endsWith("/") ? calendarId : `${calendarId}/`);
  }

  private strategy(calendarId: string): Promise<SyncStrategy> {
    if (this.settings.syncStrategy !== "auto") return Promise.resolve(this.settings.syncStrategy);
    let known = this.strategies.get(calendarId);
    if (!known) {
      known = supportsSyncCollection(this.client, this.collection(calendarId)).then((yes) => (yes ? "sync-collection" : "etag-scan"));
      known.catch(() => this.strategies.delete(calendarId));
      this.strategies.set(calendarId, known);
    }
    return known;
  }

  async listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage> {
    const collection = this.collection(calendarId);
    const token = query.pageToken ?? query.syncToken;
    const strategy = token ? strategyOfToken(token) : await this.strategy(calendarId);
    const changes: ResourceChanges =
      strategy === "sync-collection"
        ? await syncCollectionChanges(this.client, collection, this.settings.pageSize, token)
        : await etagScanChanges(this.client, collection, token);

    const now = Date.now();
    const horizon = this.settings.expansionDays * DAY;
    const from = query.windowStart ? Date.parse(query.windowStart) : undefined;
    const range: ExpansionRange = { from, seriesFrom: from ?? now - horizon, now, horizon };
    const page: ChangePage = { events: [], deletedIds: [...changes.deletedIds] };
    for (const resource of changes.changed) {
      let calendar: Component;
      try {
        calendar = parseCalendar(resource.ics);
      } catch (error) {
        // One malformed resource of someone else's must not stop the feed; the caller records it (R20).
        (page.unreadable ??= []).push({ id: resource.resourceId, message: (error as Error).message });
        continue;
      }
      const { events, deletedIds } = eventsOfResource(calendar, resource.resourceId, resource.etag, range);
      page.events.push(...events.map((event) => withResource(event, resource.ics)));
      page.deletedIds.push(...deletedIds);
    }
    if (changes.nextPageToken) page.nextPageToken = changes.nextPageToken;
    if (changes.syncToken) page.syncToken = changes.syncToken;
    return page;
  }

  /** The resource's calendar and ETag, or null when it does not exist. */
  private async read(calendarId: string, resourceId: string): Promise<{ calendar: Component; etag: string } | null> {
    const url = resourceUrl(this.collection(calendarId), resourceId);
    const response = await this.client.send("GET", url, { headers: { Accept: "text/calendar" } }, [404, 410]);
    if (!response.ok) return null;
    const etag = response.headers.get("etag");
    const calendar = parseCalendar(await response.text());
    if (!etag) throw new Permanent(`the server gave no ETag for ${url.pathname}`);
    return { calendar, etag };
  }

  /** PUTs a resource; the new ETag (read back when the server does not send it, e.g. because it altered the data). */
  private async write(
    url: URL,
    calendar: Component,
    condition: Record<string, string>,
    allow: number[] = [],
  ): Promise<{ etag: string; ics?: string } | { status: number }> {
    const ics = calendar.toString();
    const response = await this.client.send(
      "PUT",
      url,
      { headers: { "Content-Type": "text/calendar; charset=utf-8", ...condition }, body: ics },
      allow,
    );
    if (!response.ok) return { status: response.status };
    const etag = response.headers.get("etag");
    if (etag) return { etag, ics };
    const head = await this.client.send("HEAD", url);
    const readBack = head.headers.get("etag");
    if (!readBack) throw new Permanent(`the server gave no ETag for ${url.pathname}`);
    // No ETag on the PUT means the server changed what it stored (RFC 4791 §5.3.4): ours is not its text.
    return { etag: readBack };
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null> {
    const resource = await this.read(calendarId, splitEventId(eventId).resourceId);
    const event = resource && eventInResource(resource.calendar, eventId, resource.etag);
    return event && withResource(event, resource.calendar.toString());
  }

  async createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult> {
    const { key } = splitEventId(eventId);
    if (key) throw new Permanent(`cannot create an occurrence (${eventId}) on its own`);
    const calendar = newCalendar();
    newEvent(calendar, eventId, data);
    const url = resourceUrl(this.collection(calendarId), eventId);
    const written = await this.write(url, calendar, { "If-None-Match": "*" }, [412]);
    if ("etag" in written) return { event: withResource(eventInResource(calendar, eventId, written.etag)!, written.ics), created: true };
    // 412: the id is taken, by an earlier attempt of ours or otherwise: adopt it as it is.
    const existing = await this.getEvent(calendarId, eventId);
    if (!existing) throw new PreconditionFailed(`${eventId} existed, then vanished while being adopted`, 412);
    return { event: existing, created: false };
  }

  async updateEvent(calendarId: string, eventId: string, data: EventData, base: EventBase): Promise<CalendarEvent> {
    const { etag } = base;
    if (!etag) throw new Permanent(`refusing to update ${eventId} without an ETag`);
    const { resourceId, key } = splitEventId(eventId);
    // The resource as last seen spares a GET; the If-Match still guards against a change made since.
    const known = !key && typeof base.resource === "string" ? parseCalendar(base.resource) : undefined;
    const resource = known ? { calendar: known, etag } : await this.read(calendarId, resourceId);
    if (!resource) throw new NotFound(`event ${eventId} does not exist`, 404);
    if (resource.etag !== etag) throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
    const { calendar } = resource;
    if (key) overrideOccurrence(calendar, key, data);
    else applyEventData(calendar, masterOf(calendar)!, data);
    const url = resourceUrl(this.collection(calendarId), resourceId);
    const written = await this.write(url, calendar, { "If-Match": ifMatch(etag) });
    const event = "etag" in written ? eventInResource(calendar, eventId, written.etag) : null;
    if (!event) throw new NotFound(`event ${eventId} is not in its resource after the update`);
    return withResource(event, "ics" in written ? written.ics : undefined);
  }

  async deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void> {
    const { resourceId, key } = splitEventId(eventId);
    const url = resourceUrl(this.collection(calendarId), resourceId);
    if (!key) {
      await this.client.send("DELETE", url, { headers: etag ? { "If-Match": ifMatch(etag) } : {} }, [404, 410]);
      return;
    }
    // One occurrence: an EXDATE written into its series.
    const resource = await this.read(calendarId, resourceId);
    if (!resource) return;
    if (etag && resource.etag !== etag) throw new PreconditionFailed(`event ${eventId} changed since it was read`, 412);
    if (!excludeOccurrence(resource.calendar, key)) return;
    await this.write(url, resource.calendar, { "If-Match": ifMatch(resource.etag) });
  }
}

/** A single event carries its resource's text, so the next update need not read it again; occurrences do not (their series is shared). */
function withResource(event: CalendarEvent, ics: string | undefined): CalendarEvent {
  return event.recurringEventId || ics === undefined ? event : { ...event, resource: ics };
}
