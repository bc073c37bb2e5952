// The adapter contract for Microsoft 365 against the fake Graph server. The
// "user" acts in Outlook (the fake's user actions): default ids there, the
// immutable ones the adapter asks for here.
import { afterAll, beforeAll } from "vitest";
import { describeAdapterContract } from "../../adapters/contract/suite.js";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { microsoftAccount, outlookEvent } from "./microsoft-harness.js";

const PAGE_SIZE = 5;
let graph: FakeGraph;

beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => {
  await graph.close();
});

describeAdapterContract("microsoft", async () => {
  const { email, adapter } = microsoftAccount(graph, { pageSize: PAGE_SIZE });
  const immutable = (id: string) => graph.user.immutableId(email, id);
  return {
    adapter,
    pageSize: PAGE_SIZE,
    user: {
      createCalendar: async (name) => void graph.user.createCalendar(email, name),
      createEvent: async (calendarId, data) => immutable(graph.user.createEvent(email, calendarId, outlookEvent(data)).id),
      updateEvent: async (_calendarId, eventId, changes) => void graph.user.updateEvent(email, eventId, outlookEvent(changes)),
      deleteEvent: async (_calendarId, eventId) => graph.user.deleteEvent(email, eventId),
      createDailySeries: async (calendarId, data, count) => {
        const event = outlookEvent(data);
        const startDate = (event.start as { dateTime: string }).dateTime.slice(0, 10);
        const recurrence = { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate, numberOfOccurrences: count } };
        return immutable(graph.user.createEvent(email, calendarId, { ...event, recurrence }).id);
      },
      addGuest: async (_calendarId, eventId, guest) => void graph.user.addAttendees(email, eventId, guest),
      guests: async (_calendarId, eventId) =>
        ((graph.user.getEvent(email, eventId)?.attendees as { emailAddress: { address: string } }[] | undefined) ?? []).map(
          (a) => a.emailAddress.address,
        ),
    },
    invalidateSyncTokens: async () => graph.invalidateDeltaTokens(),
    close: async () => {},
  };
});
