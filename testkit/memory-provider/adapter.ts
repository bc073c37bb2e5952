import { eventIdForTaskId } from "../../adapters/event-ids.js";
import type {
  CalendarAdapter,
  CalendarEvent,
  CalendarRef,
  ChangePage,
  ChangeQuery,
  CreateResult,
  EventBase,
  EventData,
} from "../../adapters/types.js";
import type { AdapterMethod } from "./call-gate.js";
import type { MemoryStore } from "./store.js";

/** One account of the memory provider; every call goes through the store's fault injection. */
export class MemoryAdapter implements CalendarAdapter {
  readonly provider = "memory";

  constructor(
    private readonly store: MemoryStore,
    private readonly account: string,
  ) {}

  async accountId(): Promise<string> {
    await this.enter("accountId");
    return this.account;
  }

  async findOrCreateCalendar(name: string): Promise<CalendarRef> {
    await this.enter("findOrCreateCalendar");
    const found = this.store.findCalendar(this.account, name);
    if (found) return { id: found.id, name, created: false, writable: !found.readOnly };
    return { id: this.store.createCalendar(this.account, name), name, created: true, writable: true };
  }

  eventIdForTask(taskId: string, calendarId: string): string {
    return eventIdForTaskId(taskId, calendarId);
  }

  occurrenceIdPrefix(seriesId: string): string {
    return `${seriesId}_`;
  }

  async listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage> {
    await this.enter("listChanges");
    const page = this.store.list(calendarId, query);
    this.store.callLog.push("listChanges done");
    return page;
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null> {
    await this.enter("getEvent");
    return this.store.get(calendarId, eventId);
  }

  async createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult> {
    await this.enter("createEvent", calendarId);
    const existing = this.store.get(calendarId, eventId);
    if (existing) return { event: existing, created: false };
    // A tombstone under this id is revived with the new data, as on Google.
    return { event: this.store.put(calendarId, eventId, data), created: true };
  }

  async updateEvent(calendarId: string, eventId: string, data: EventData, base: EventBase): Promise<CalendarEvent> {
    await this.enter("updateEvent", calendarId);
    return this.store.replace(calendarId, eventId, data, base);
  }

  async moveEvent(fromCalendarId: string, eventId: string, toCalendarId: string): Promise<CalendarEvent> {
    await this.enter("moveEvent", toCalendarId);
    return this.store.move(fromCalendarId, eventId, toCalendarId);
  }

  async deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void> {
    await this.enter("deleteEvent", calendarId);
    this.store.remove(calendarId, eventId, etag);
  }

  private async enter(method: AdapterMethod, writesTo?: string): Promise<void> {
    if (writesTo !== undefined) this.store.countWrite(writesTo);
    await this.store.enter(method);
  }
}
