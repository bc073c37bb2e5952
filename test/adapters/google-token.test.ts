// The access tokens a refresh token gets (refresh-token-auth.ts), through the
// fake Google's token endpoint: one refresh however many calls wait for it,
// and a token close to its expiry replaced before a call is refused with it.
import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import type { CalendarAdapter } from "../../adapters/types.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { googleAccount } from "./google-harness.js";

let google: FakeGoogle;
afterEach(() => google?.close());

const insert = (adapter: CalendarAdapter, calendarId: string, summary: string) =>
  adapter.createEvent(calendarId, adapter.eventIdForTask(randomUUID(), calendarId), {
    summary,
    start: { dateTime: "2030-02-03T10:00:00Z" },
    end: { dateTime: "2030-02-03T11:00:00Z" },
  });

it("calls at once on a new account wait for one token, and the next calls use it while it lasts", async () => {
  google = await startFakeGoogle();
  const { adapter } = googleAccount(google);
  const calendarId = (await adapter.findOrCreateCalendar("CRM")).id;
  const before = google.tokenRequests;
  await Promise.all(Array.from({ length: 10 }, (_, i) => insert(adapter, calendarId, `at once ${i}`)));
  await insert(adapter, calendarId, "later");
  expect(google.tokenRequests - before).toBe(0);
  // A second account on its own: its first calls at once share one refresh.
  const { adapter: other } = googleAccount(google);
  const at = google.tokenRequests;
  await Promise.all(Array.from({ length: 10 }, () => other.accountId()));
  expect(google.tokenRequests - at).toBe(1);
});

it("a token within five minutes of its expiry is replaced before the call, so Google never refuses it", async () => {
  // Google's tokens last four minutes here: each one is already due for replacement.
  google = await startFakeGoogle({ accessTokenTtlSeconds: 240 });
  const { adapter } = googleAccount(google);
  const calendarId = (await adapter.findOrCreateCalendar("CRM")).id;
  const before = google.tokenRequests;
  for (const summary of ["one", "two", "three"]) await insert(adapter, calendarId, summary);
  expect(google.tokenRequests - before).toBe(3);
  expect(google.callLog.filter((call) => call.status === 401)).toEqual([]);
});
