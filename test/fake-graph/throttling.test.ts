// Throttling and the test controls, as a Graph client sees them ("Microsoft Graph throttling guidance",
// "Microsoft Graph service-specific throttling limits": Outlook service limits).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { meeting, ok, session } from "./graph-client.js";

let graph: FakeGraph;

/** Polls a condition that is about to hold (bounded, so a failure shows). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => {
  await graph.close();
});

describe("throttling", () => {
  it("answers 429 ApplicationThrottled with Retry-After seconds past the mailbox's rate limit, and counts it", async () => {
    const anna = await session(graph, "anna@contoso.example");
    const bob = await session(graph, "bob@contoso.example");
    graph.setRateLimit(3, 60_000);
    try {
      for (let i = 0; i < 3; i++) expect((await anna.call("GET", "me/calendars")).status).toBe(200);
      const before = graph.rateLimitErrors;
      const throttled = await anna.call("GET", "me/calendars");
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe("ApplicationThrottled");
      const retryAfter = Number(throttled.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(graph.rateLimitErrors).toBe(before + 1);
      // Another mailbox has its own budget.
      expect((await bob.call("GET", "me/calendars")).status).toBe(200);
    } finally {
      graph.setRateLimit(10_000, 600_000);
    }
  });

  it("refuses the 5th concurrent request to a mailbox with the MailboxConcurrency error", async () => {
    const carol = await session(graph, "carol@contoso.example");
    // Four slow calls hold their slots while the fifth arrives.
    graph.injectFaults({ path: /^me\/calendars$/, latencyMs: 1000, times: 4 });
    const since = graph.callLog.length;
    const slow = [0, 1, 2, 3].map(() => carol.call("GET", "me/calendars"));
    await until(() => graph.callLog.length - since === 4);
    const fifth = await carol.call("GET", "me/calendar");
    expect(fifth.status).toBe(429);
    expect(fifth.body.error).toMatchObject({ code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." });
    expect(fifth.headers.get("retry-after")).toBeTruthy();
    expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(graph.concurrencyErrors).toBe(1);
    expect((await carol.call("GET", "me/calendar")).status).toBe(200);
  });
});

describe("test controls", () => {
  it("injects status answers with Graph's error body and Retry-After, and drops connections", async () => {
    const dave = await session(graph, "dave@contoso.example");
    graph.injectFaults({ method: "GET", path: /^me\/calendars$/, status: 503, retryAfterSeconds: 7 }, { path: /^me$/, reset: true });
    const unavailable = await dave.call("GET", "me/calendars");
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get("retry-after")).toBe("7");
    expect(unavailable.body.error.code).toBe("ServiceUnavailable");
    await expect(dave.call("GET", "me")).rejects.toThrow();
    expect((await dave.call("GET", "me/calendars")).status).toBe(200);
  });

  it("logs calls with their account, calendar and write flag; counts writes per calendar", async () => {
    const erin = await session(graph, "erin@contoso.example");
    const calendar = ok(await erin.call("POST", "me/calendars", { body: { name: "Logged" } }));
    const since = graph.callLog.length;
    const event = ok(await erin.call("POST", `me/calendars/${calendar.id}/events`, { body: meeting("Logged", "2030-05-01T09:00:00") }));
    ok(await erin.call("PATCH", `me/events/${event.id}`, { body: { subject: "Logged again" } }));
    ok(await erin.call("GET", `me/events/${event.id}`));
    graph.user.updateEvent("erin@contoso.example", event.id, { subject: "User changes are not logged" });
    const calls = graph.callLog.slice(since);
    expect(calls.map((c) => [c.method, c.write, c.status, c.account, c.calendarId])).toEqual([
      ["POST", true, 201, "erin@contoso.example", calendar.id],
      ["PATCH", true, 200, "erin@contoso.example", calendar.id],
      ["GET", false, 200, "erin@contoso.example", calendar.id],
    ]);
    expect(graph.writeCount(calendar.id)).toBe(2);
    expect(graph.trafficBytes()).toBeGreaterThan(0);
    expect(graph.tokenRequests).toBeGreaterThan(0);
  });

  it("holds a served write's answer with answerDelayMs: the write lands before the caller sees it", async () => {
    const fred = await session(graph, "fred@contoso.example");
    const calendarId = graph.user.defaultCalendar("fred@contoso.example").id;
    graph.injectFaults({ method: "POST", path: /events$/, answerDelayMs: 1000 });
    let answered = false;
    const pending = fred.call("POST", "me/events", { body: meeting("Slow answer", "2030-05-02T09:00:00") }).finally(() => (answered = true));
    await until(() => graph.user.events("fred@contoso.example", calendarId).length === 1);
    expect(answered).toBe(false);
    expect((await pending).status).toBe(201);
  });
});
