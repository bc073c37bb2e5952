// @ts-check
// The contract suite's view of the example provider: a fresh account (a JSON
// file of its own) per test, and the calendar's user changing that file as
// another program would. Run it with
//   npm run provider:test -- ./examples/provider-example/index.js ./examples/provider-example/contract-harness.js
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonCalendarStore } from "./store.js";

/** @type {import("taskcal/provider/contract").HarnessFactory} */
export default async function exampleHarness({ definition, logger }) {
  const folder = mkdtempSync(join(tmpdir(), "example-json-"));
  const store = new JsonCalendarStore(join(folder, "account.json"));
  const adapter = definition.createAdapter({ account: { file: store.file }, company: {}, logger });
  return {
    adapter,
    pageSize: definition.capabilities.maxPageSize,
    user: {
      createCalendar: async (name) => void store.createCalendar(name),
      createEvent: async (calendarId, data) => store.userCreate(calendarId, data),
      updateEvent: async (calendarId, eventId, changes) => store.userUpdate(calendarId, eventId, changes),
      deleteEvent: async (calendarId, eventId) => void store.remove(calendarId, eventId),
      createDailySeries: async (calendarId, data, count) => {
        const seriesId = `series-${randomUUID()}`;
        for (let day = 0; day < count; day++) {
          const shift = (/** @type {typeof data.start} */ time) =>
            "date" in time ? time : { ...time, dateTime: new Date(Date.parse(time.dateTime) + day * 86_400_000).toISOString() };
          store.put(calendarId, `${seriesId}_${day}`, () => ({
            data: { ...data, start: shift(data.start), end: shift(data.end) },
            extra: {},
            recurringEventId: seriesId,
            originalStart: shift(data.start),
          }));
        }
        return seriesId;
      },
      addGuest: async (calendarId, eventId, email) => {
        const guests = /** @type {string[]} */ (store.event(calendarId, eventId)?.extra.guests ?? []);
        store.userUpdate(calendarId, eventId, {}, { guests: [...guests, email] });
      },
      guests: async (calendarId, eventId) => /** @type {string[]} */ (store.event(calendarId, eventId)?.extra.guests ?? []),
    },
    invalidateSyncTokens: async () => store.expireSyncTokens(),
    close: async () => rmSync(folder, { recursive: true, force: true }),
  };
}
