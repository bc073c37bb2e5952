import { eventIdForTaskId } from "../event-ids.js";
import type {
  CalendarAdapter,
  CalendarEvent,
  CalendarRef,
  ChangePage,
  ChangeQuery,
  CreateResult,
  EventData,
} from "../types.js";
import type { AdapterMethod, MemoryStore } from "./store.js";

/** One account of the memory provider; every call goes through the store's fault injection. */
export class MemoryAdapter implements CalendarAdapter {
  readonly provider = "memory";

  constructor(
    private readonly store: MemoryStore,
    private readonly account: string,
  ) {}

  async accountId(): Promise<string> {
    this.enter("accountId");
    return this.account;
  }

  async findOrCreateCalendar(name: string): Promise<CalendarRef> {
    this.enter("findOrCreateCalendar");
    const found = this.store.findCalendar(this.account, name);
    if (found) return { id: found.id, name, created: false };
    return { id: this.store.createCalendar(this.account, name), name, created: true };
  }

  eventIdForTask(taskId: string): string {
    return eventIdForTaskId(taskId);
  }

  async listChanges(calendarId: string, query: ChangeQuery): Promise<ChangePage> {
    this.enter("listChanges");
    return this.store.list(calendarId, query);
  }

  async getEvent(calendarId: string, eventId: string): Promise<CalendarEvent | null> {
    this.enter("getEvent");
    return this.store.get(calendarId, eventId);
  }

  async createEvent(calendarId: string, eventId: string, data: EventData): Promise<CreateResult> {
    this.enter("createEvent", calendarId);
    const existing = this.store.get(calendarId, eventId);
    if (existing) return { event: existing, created: false };
    // A tombstone under this id is revived with the new data, as on Google.
    return { event: this.store.put(calendarId, eventId, data), created: true };
  }

  async updateEvent(calendarId: string, eventId: string, data: EventData, etag: string): Promise<CalendarEvent> {
    this.enter("updateEvent", calendarId);
    return this.store.replace(calendarId, eventId, data, etag);
  }

  async deleteEvent(calendarId: string, eventId: string, etag?: string): Promise<void> {
    this.enter("deleteEvent", calendarId);
    this.store.remove(calendarId, eventId, etag);
  }

  private enter(method: AdapterMethod, writesTo?: string): void {
    if (writesTo !== undefined) this.store.countWrite(writesTo);
    this.store.takeFault(method);
  }
}
