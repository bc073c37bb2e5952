import { afterAll, beforeAll } from "vitest";
import { describeAdapterContract } from "../../adapters/contract/suite.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { googleAccount, googleResource } from "./google-harness.js";

const PAGE_SIZE = 5;
let google: FakeGoogle;

beforeAll(async () => {
  google = await startFakeGoogle({ maxPageSize: PAGE_SIZE, quota: { limit: 1_000_000, windowMs: 60_000 } });
});
afterAll(async () => {
  await google.close();
});

describeAdapterContract("google", async () => {
  const { email, adapter } = googleAccount(google);
  return {
    adapter,
    pageSize: PAGE_SIZE,
    user: {
      createCalendar: async (name) => void google.user.createCalendar(email, name),
      createEvent: async (calendarId, data) => google.user.createEvent(email, calendarId, googleResource(data)).id,
      updateEvent: async (calendarId, eventId, changes) => void google.user.updateEvent(email, calendarId, eventId, googleResource(changes)),
      deleteEvent: async (calendarId, eventId) => google.user.deleteEvent(email, calendarId, eventId),
      createDailySeries: async (calendarId, data, count) =>
        google.user.createEvent(email, calendarId, { ...googleResource(data), recurrence: [`RRULE:FREQ=DAILY;COUNT=${count}`] }).id,
      addGuest: async (calendarId, eventId, guest) => {
        const attendees = (google.user.getEvent(email, calendarId, eventId)?.attendees as { email: string }[] | undefined) ?? [];
        google.user.updateEvent(email, calendarId, eventId, { attendees: [...attendees, { email: guest }] });
      },
      guests: async (calendarId, eventId) =>
        ((google.user.getEvent(email, calendarId, eventId)?.attendees as { email: string }[] | undefined) ?? []).map((a) => a.email),
    },
    invalidateSyncTokens: async () => google.invalidateSyncTokens(),
    close: async () => {},
  };
});
