import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { describeAdapterContract } from "../../adapters/contract/suite.js";
import { Transient } from "../../adapters/types.js";
import { createMemoryAdapterFactory } from "../../testkit/memory-provider/index.js";

const PAGE_SIZE = 5;

describeAdapterContract("memory", async () => {
  const { factory, store } = createMemoryAdapterFactory({ pageSize: PAGE_SIZE });
  const account = `${randomUUID()}@memory.test`;
  return {
    adapter: factory(account),
    pageSize: PAGE_SIZE,
    user: {
      createCalendar: async (name) => void store.createCalendar(account, name),
      createEvent: async (calendarId, data) => store.userCreateEvent(calendarId, data).id,
      updateEvent: async (calendarId, eventId, changes) => void store.userUpdateEvent(calendarId, eventId, changes),
      deleteEvent: async (calendarId, eventId) => store.userDeleteEvent(calendarId, eventId),
      createDailySeries: async (calendarId, data, count) => store.userCreateSeries(calendarId, data, { freq: "DAILY", count })[0].recurringEventId!,
      addGuest: async (calendarId, eventId, guest) => {
        const attendees = (store.foreignFields(calendarId, eventId)?.attendees as string[] | undefined) ?? [];
        store.userUpdateEvent(calendarId, eventId, {}, { attendees: [...attendees, guest] });
      },
      guests: async (calendarId, eventId) => (store.foreignFields(calendarId, eventId)?.attendees as string[] | undefined) ?? [],
    },
    invalidateSyncTokens: async () => store.invalidateSyncTokens(),
    close: async () => {},
  };
});

describe("memory adapter test controls", () => {
  const data = {
    summary: "Visit",
    start: { dateTime: "2030-01-01T10:00:00+01:00" },
    end: { dateTime: "2030-01-01T11:00:00+01:00" },
  };

  it("injected faults hit the next calls of the chosen methods, then stop", async () => {
    const { factory, store } = createMemoryAdapterFactory();
    const adapter = factory("a@memory.test");
    const { id } = await adapter.findOrCreateCalendar("Work");
    store.failNext(2, new Transient("backend down", 503), ["createEvent"]);
    await expect(adapter.getEvent(id, "abcde")).resolves.toBeNull();
    await expect(adapter.createEvent(id, "abcde", data)).rejects.toBeInstanceOf(Transient);
    await expect(adapter.createEvent(id, "abcde", data)).rejects.toBeInstanceOf(Transient);
    await expect(adapter.createEvent(id, "abcde", data)).resolves.toMatchObject({ created: true });
  });

  it("counts the adapter's write calls per calendar, not the user's changes", async () => {
    const { factory, store } = createMemoryAdapterFactory();
    const adapter = factory("a@memory.test");
    const work = (await adapter.findOrCreateCalendar("Work")).id;
    const home = (await adapter.findOrCreateCalendar("Home")).id;
    const { event } = await adapter.createEvent(work, "abcde", data);
    await adapter.createEvent(work, "abcde", data);
    await adapter.deleteEvent(work, "abcde", event.etag);
    store.userCreateEvent(home, data);
    expect(store.writeCount(work)).toBe(3);
    expect(store.writeCount(home)).toBe(0);
    expect(store.writeCount()).toBe(3);
  });

  it("keeps accounts apart: the same calendar name on two accounts is two calendars", async () => {
    const { factory } = createMemoryAdapterFactory();
    const a = await factory("a@memory.test").findOrCreateCalendar("Work");
    const b = await factory("b@memory.test").findOrCreateCalendar("Work");
    expect(a.id).not.toBe(b.id);
  });
});
