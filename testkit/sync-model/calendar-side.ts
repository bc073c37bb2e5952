// The calendar as the model test acts on it: the provider (memory or the fake
// Google) seen from its owner's side — what a person does in the calendar's
// own UI — and the adapters the engine uses for it.
import { googleProvider } from "../../adapters/google/definition.js";
import { ProviderRegistry } from "../../adapters/registry.js";
import { Transient } from "../../adapters/types.js";
import type { FakeGoogle, GoogleEvent } from "../fake-google/server.js";
import { MemoryStore, memoryProvider } from "../memory-provider/index.js";

export interface OwnedEvent {
  id: string;
  summary: string;
  location: string;
  start: string;
  end: string;
  taskId?: string;
  guests: string[];
}

export interface CalendarSide {
  readonly name: string;
  /** The engine's providers, with the one this side is. */
  providers: ProviderRegistry;
  provider: string;
  /** The provider's company settings: its company account is account 0. */
  company: Record<string, unknown>;
  /** The operator's own account, account 1. */
  ownAccount: Record<string, unknown>;
  calendarId(account: 0 | 1, name: string): string | undefined;
  events(calendarId: string): OwnedEvent[];
  create(calendarId: string, summary: string, start: string, end: string): string;
  edit(calendarId: string, eventId: string, change: { summary?: string; location?: string; start?: string; end?: string }): void;
  addGuest(calendarId: string, eventId: string, email: string): void;
  remove(calendarId: string, eventId: string): void;
  expireSyncTokens(): void;
  /** The engine's next call to the account fails as a passing fault. */
  failNextCall(): void;
  /** The engine's writes so far. */
  writes(): number;
}

const TASK_ID = "taskcalTaskId";

export function memorySide(): CalendarSide {
  const store = new MemoryStore({ pageSize: 7 });
  const accounts: [string, string] = ["company", "own"];
  const providers = new ProviderRegistry();
  providers.register(memoryProvider(store));
  const guestsOf = (calendarId: string, id: string) => (store.foreignFields(calendarId, id)?.guests as string[] | undefined) ?? [];
  return {
    name: "memory",
    providers,
    provider: "memory",
    company: { defaultAccount: accounts[0] },
    ownAccount: { account: accounts[1] },
    calendarId: (account, name) => store.calendars(accounts[account]).find((c) => c.name === name)?.id,
    events: (calendarId) =>
      store.events(calendarId).map((e) => ({
        id: e.id,
        summary: e.summary,
        location: e.location ?? "",
        start: "dateTime" in e.start ? e.start.dateTime : e.start.date,
        end: "dateTime" in e.end ? e.end.dateTime : e.end.date,
        taskId: e.privateProperties?.[TASK_ID],
        guests: guestsOf(calendarId, e.id),
      })),
    create: (calendarId, summary, start, end) =>
      store.userCreateEvent(calendarId, { summary, start: { dateTime: start }, end: { dateTime: end } }).id,
    edit: (calendarId, eventId, change) =>
      void store.userUpdateEvent(calendarId, eventId, {
        ...(change.summary !== undefined ? { summary: change.summary } : {}),
        ...(change.location !== undefined ? { location: change.location } : {}),
        ...(change.start ? { start: { dateTime: change.start } } : {}),
        ...(change.end ? { end: { dateTime: change.end } } : {}),
      }),
    addGuest: (calendarId, eventId, email) =>
      void store.userUpdateEvent(calendarId, eventId, {}, { guests: [...guestsOf(calendarId, eventId), email] }),
    remove: (calendarId, eventId) => store.userDeleteEvent(calendarId, eventId),
    expireSyncTokens: () => store.invalidateSyncTokens(),
    failNextCall: () => store.failNext(1, new Transient("simulated outage", 503)),
    writes: () => store.writeCount(),
  };
}

export function googleSide(google: FakeGoogle, run: number): CalendarSide {
  const emails = [`company-${run}@example.com`, `own-${run}@example.com`] as const;
  const tokens: [string, string] = [google.addAccount(emails[0]), google.addAccount(emails[1])];
  const ownerOf = (calendarId: string) => emails.find((email) => google.user.calendars(email).some((c) => c.id === calendarId))!;
  const providers = new ProviderRegistry();
  providers.register(
    googleProvider({ apiRootUrl: google.rootUrl, tokenUrl: google.tokenUrl, requestsPerMinute: 100_000, retry: { maxAttempts: 1 } }),
  );
  const writesAtStart = google.writeCount();
  const time = (t: GoogleEvent["start"]) => t?.dateTime ?? t?.date ?? "";
  return {
    name: "google",
    providers,
    provider: "google",
    company: { clientId: google.clientId, clientSecret: google.clientSecret, defaultRefreshToken: tokens[0] },
    ownAccount: { refreshToken: tokens[1] },
    calendarId: (account, name) => google.user.calendars(emails[account]).find((c) => c.summary === name)?.id,
    events: (calendarId) =>
      google.user
        .events(ownerOf(calendarId), calendarId)
        .filter((e) => e.status !== "cancelled")
        .map((e) => ({
          id: e.id,
          summary: e.summary ?? "",
          location: e.location ?? "",
          start: time(e.start),
          end: time(e.end),
          taskId: e.extendedProperties?.private?.[TASK_ID],
          guests: ((e.attendees as { email: string }[] | undefined) ?? []).map((a) => a.email),
        })),
    create: (calendarId, summary, start, end) =>
      google.user.createEvent(ownerOf(calendarId), calendarId, { summary, start: { dateTime: start }, end: { dateTime: end } }).id,
    edit: (calendarId, eventId, change) =>
      void google.user.updateEvent(ownerOf(calendarId), calendarId, eventId, {
        ...(change.summary !== undefined ? { summary: change.summary } : {}),
        ...(change.location !== undefined ? { location: change.location } : {}),
        ...(change.start ? { start: { dateTime: change.start } } : {}),
        ...(change.end ? { end: { dateTime: change.end } } : {}),
      }),
    addGuest: (calendarId, eventId, email) => {
      const owner = ownerOf(calendarId);
      const attendees = (google.user.getEvent(owner, calendarId, eventId)?.attendees as { email: string }[] | undefined) ?? [];
      google.user.updateEvent(owner, calendarId, eventId, { attendees: [...attendees, { email }] });
    },
    remove: (calendarId, eventId) => google.user.deleteEvent(ownerOf(calendarId), calendarId, eventId),
    expireSyncTokens: () => google.invalidateSyncTokens(),
    failNextCall: () => google.injectFaults({ status: 503 }),
    writes: () => google.writeCount() - writesAtStart,
  };
}
