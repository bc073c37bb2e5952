// What the Microsoft 365 adapter does beyond the contract, against the fake
// Graph server: server-assigned ids with creation keys, delta rounds and their
// windows, conflicts as Graph reports them, throttling, tokens, subscriptions.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { drainChanges } from "../../adapters/contract/drain-changes.js";
import { microsoftCompanySchema, microsoftProvider } from "../../adapters/microsoft/definition.js";
import { createMicrosoftAdapterFactory } from "../../adapters/microsoft/index.js";
import { AuthRevoked, type CalendarAdapter, type EventData, PreconditionFailed, RateLimited, SyncTokenExpired } from "../../adapters/types.js";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { type MicrosoftTestAccount, microsoftAccount, outlookEvent } from "./microsoft-harness.js";

let graph: FakeGraph;
let account: MicrosoftTestAccount;
let adapter: CalendarAdapter;
let calendarId: string;

const data: EventData = {
  summary: "Client visit - (7/2030)",
  description: "Bring the offer",
  start: { dateTime: "2030-02-03T10:00:00+01:00", timeZone: "Europe/Warsaw" },
  end: { dateTime: "2030-02-03T11:00:00+01:00", timeZone: "Europe/Warsaw" },
  privateProperties: { taskcalTaskId: "0b6c3c39-5e5d-4a8e-8d0f-8d1c6f1d2a11" },
};
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => {
  await graph.close();
});
beforeEach(async () => {
  graph.clearFaults();
  account = microsoftAccount(graph, { pageSize: 5 });
  adapter = account.adapter;
  calendarId = (await adapter.findOrCreateCalendar("CRM")).id;
});

const calls = (pattern: RegExp, method?: string) => graph.callLog.filter((c) => pattern.test(c.path) && (!method || c.method === method)).length;

describe("Microsoft 365 adapter: ids and creates", () => {
  it("works with immutable ids (Prefer IdType=ImmutableId): an event keeps its id when the user moves it to another calendar", async () => {
    const { event } = await adapter.createEvent(calendarId, adapter.eventIdForTask(randomUUID(), calendarId), data);
    expect(event.id).toBe(graph.user.immutableId(account.email, event.id));
    const other = (await adapter.findOrCreateCalendar("Elsewhere")).id;
    graph.user.moveEvent(account.email, event.id, other);
    expect((await adapter.getEvent(other, event.id))?.summary).toBe(data.summary);
    expect(await adapter.getEvent(calendarId, event.id)).toBeNull();
  });

  it("R13: a create whose answer was lost is retried with the same transactionId and makes one event", async () => {
    const slow = createMicrosoftAdapterFactory({ timeoutMs: 300, retry: { baseDelayMs: 10 } })(account.credentials);
    graph.injectFaults({ method: "POST", path: /\/events$/, answerDelayMs: 1_000 });
    const key = slow.eventIdForTask(randomUUID(), calendarId);
    const { event } = await slow.createEvent(calendarId, key, data);
    expect(calls(/\/events$/, "POST")).toBeGreaterThanOrEqual(2);
    expect(graph.user.events(account.email, calendarId).map((e) => e.subject)).toEqual([data.summary]);
    expect(graph.user.immutableId(account.email, graph.user.events(account.email, calendarId)[0].id)).toBe(event.id);
  });

  it("R13: after a crash, the creation key finds the event on the extended property: no second POST", async () => {
    const key = adapter.eventIdForTask(randomUUID(), calendarId);
    const first = await adapter.createEvent(calendarId, key, data);
    const posts = calls(/\/events$/, "POST");
    // Another process later, with nothing of the first in memory.
    const restarted = createMicrosoftAdapterFactory()(account.credentials);
    const again = await restarted.createEvent(calendarId, key, { ...data, summary: "Retry" });
    expect(again).toMatchObject({ created: false, event: { id: first.event.id, summary: data.summary } });
    expect(again.event.privateProperties).toEqual(data.privateProperties);
    expect(calls(/\/events$/, "POST")).toBe(posts);
    // The key works where an id does.
    expect((await restarted.getEvent(calendarId, key))?.id).toBe(first.event.id);
    await restarted.deleteEvent(calendarId, key);
    expect(graph.user.events(account.email, calendarId)).toEqual([]);
  });

  it("R18: an update sends only what taskcal owns (PATCH), so the user's guests and categories stay", async () => {
    const { event } = await adapter.createEvent(calendarId, adapter.eventIdForTask(randomUUID(), calendarId), data);
    graph.user.addAttendees(account.email, event.id, "guest@example.com");
    graph.user.addCategories(account.email, event.id, "Red category");
    const read = (await adapter.getEvent(calendarId, event.id))!;
    await adapter.updateEvent(calendarId, event.id, { ...data, summary: "Renamed" }, read);
    const stored = graph.user.getEvent(account.email, event.id)!;
    expect(stored).toMatchObject({ subject: "Renamed", categories: ["Red category"] });
    expect((stored.attendees as { emailAddress: { address: string } }[]).map((a) => a.emailAddress.address)).toEqual(["guest@example.com"]);
  });

  it("reads Outlook's Windows zone names as IANA zones", async () => {
    const made = graph.user.createEvent(account.email, calendarId, outlookEvent(data));
    expect(made.originalStartTimeZone).toBe("Central European Standard Time");
    const event = await adapter.getEvent(calendarId, graph.user.immutableId(account.email, made.id));
    expect(event?.start).toEqual({ dateTime: "2030-02-03T09:00:00Z", timeZone: "Europe/Warsaw" });
  });
});

describe("Microsoft 365 adapter: conflicts", () => {
  it("R12: a stale If-Match answered 409 ErrorIrresolvableConflict is a PreconditionFailed too", async () => {
    const strict = await startFakeGraph({ conflictStatus: 409 });
    try {
      const { adapter: other } = microsoftAccount(strict);
      const calendar = (await other.findOrCreateCalendar("CRM")).id;
      const { event } = await other.createEvent(calendar, other.eventIdForTask(randomUUID(), calendar), data);
      await other.updateEvent(calendar, event.id, { ...data, summary: "First" }, event);
      await expect(other.updateEvent(calendar, event.id, { ...data, summary: "Stale" }, event)).rejects.toBeInstanceOf(PreconditionFailed);
      await expect(other.deleteEvent(calendar, event.id, event.etag)).rejects.toBeInstanceOf(PreconditionFailed);
    } finally {
      await strict.close();
    }
  });
});

describe("Microsoft 365 adapter: delta", () => {
  it("lists through calendarView delta; its pages leave out extended properties (partial), a read by id has them", async () => {
    const { event } = await adapter.createEvent(calendarId, adapter.eventIdForTask(randomUUID(), calendarId), data);
    const { events } = await drainChanges(adapter, calendarId, { windowStart: "2030-01-01T00:00:00Z" });
    expect(calls(/calendarView\/delta$/)).toBeGreaterThan(0);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: event.id, partial: true, summary: data.summary });
    expect(events[0].privateProperties).toBeUndefined();
    expect((await adapter.getEvent(calendarId, event.id))?.privateProperties).toEqual(data.privateProperties);
  });

  it("R8: a round keeps its window: it goes on while the window moves forward less than a month, then says SyncTokenExpired", async () => {
    const start = Date.now() - 90 * DAY;
    const { syncToken } = await drainChanges(adapter, calendarId, { windowStart: iso(start) });
    await expect(drainChanges(adapter, calendarId, { syncToken, windowStart: iso(start + 5 * DAY) })).resolves.toBeDefined();
    await expect(adapter.listChanges(calendarId, { syncToken, windowStart: iso(start + 31 * DAY) })).rejects.toBeInstanceOf(SyncTokenExpired);
    await expect(adapter.listChanges(calendarId, { syncToken, windowStart: iso(start - DAY) })).rejects.toThrow(/window .* no longer matches/);
  });

  it("R8: a round reaches from the window start to Graph's longest view (1,825 days), never longer", async () => {
    const start = Date.now() - 90 * DAY;
    await adapter.listChanges(calendarId, { windowStart: iso(start) });
    const first = graph.callLog.filter((c) => c.path.endsWith("calendarView/delta")).at(-1)!;
    const span = Date.parse(first.query.endDateTime) - Date.parse(first.query.startDateTime);
    expect(Date.parse(first.query.startDateTime)).toBe(start);
    expect(span).toBeGreaterThan(1_700 * DAY);
    expect(span).toBeLessThanOrEqual(1_825 * DAY);
  });

  it("R16: a delta token Graph reset (410 resyncRequired) is SyncTokenExpired", async () => {
    const { syncToken } = await drainChanges(adapter, calendarId, {});
    graph.invalidateDeltaTokens({ calendarId, reason: "reset" });
    await expect(adapter.listChanges(calendarId, { syncToken })).rejects.toBeInstanceOf(SyncTokenExpired);
  });

  it("a token whose link leads elsewhere than the configured Graph is never followed", async () => {
    const forged = `graph1.${Buffer.from(JSON.stringify({ l: "https://attacker.example/v1.0/x", s: iso(Date.now() - 366 * DAY), e: iso(Date.now() + DAY) })).toString("base64url")}`;
    await expect(adapter.listChanges(calendarId, { syncToken: forged })).rejects.toThrow(/does not lead to the configured Graph address/);
    await expect(adapter.listChanges(calendarId, { syncToken: "not-ours" })).rejects.toBeInstanceOf(SyncTokenExpired);
  });

  it("R10: occurrences come whole; an occurrence written to (an exception) comes partial, as it may carry a task id", async () => {
    const master = graph.user.createEvent(account.email, calendarId, {
      ...outlookEvent({ summary: "Stand-up", start: { dateTime: "2030-03-04T09:00:00Z" }, end: { dateTime: "2030-03-04T09:15:00Z" } }),
      recurrence: { pattern: { type: "daily", interval: 1 }, range: { type: "numbered", startDate: "2030-03-04", numberOfOccurrences: 3 } },
    });
    const full = await drainChanges(adapter, calendarId, { windowStart: "2030-03-01T00:00:00Z" });
    expect(full.events.map((e) => e.partial ?? false)).toEqual([false, false, false]);
    const [first] = full.events;
    expect(first.recurringEventId).toBe(graph.user.immutableId(account.email, master.id));
    const written = await adapter.updateEvent(
      calendarId,
      first.id,
      { ...first, summary: "Stand-up - (1/2030)", privateProperties: { taskcalTaskId: "t1" } },
      first,
    );
    expect(written.privateProperties).toEqual({ taskcalTaskId: "t1" });
    const changes = await drainChanges(adapter, calendarId, { syncToken: full.syncToken, windowStart: "2030-03-01T00:00:00Z" });
    expect(changes.events).toEqual([expect.objectContaining({ id: first.id, partial: true, summary: "Stand-up - (1/2030)" })]);
    graph.user.deleteEvent(account.email, master.id);
    const gone = await drainChanges(adapter, calendarId, { syncToken: changes.syncToken, windowStart: "2030-03-01T00:00:00Z" });
    expect(gone.deletedIds).toEqual(expect.arrayContaining(full.events.map((e) => e.id)));
  });
});

describe("Microsoft 365 adapter: throttling and tokens", () => {
  it("R17: a 429 with a short Retry-After is waited out in the adapter, holding the whole mailbox; a long one goes to the engine", async () => {
    graph.injectFaults({ path: /calendarView\/delta$/, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await adapter.listChanges(calendarId, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    graph.injectFaults({ path: /calendarView\/delta$/, status: 429, retryAfterSeconds: 120 });
    const error = await adapter.listChanges(calendarId, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(120_000);
  });

  it("R17: never more than four calls in flight per mailbox, shared by every adapter on it", async () => {
    const factory = createMicrosoftAdapterFactory({ retry: { maxAttempts: 1 } });
    const [a, b] = [factory(account.credentials), factory(account.credentials)];
    graph.injectFaults({ method: "GET", path: /\/events$/, latencyMs: 100, times: 24 });
    const before = graph.concurrencyErrors;
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).getEvent(calendarId, a.eventIdForTask(randomUUID(), calendarId))));
    expect(graph.concurrencyErrors - before).toBe(0);
  });

  it("refreshes an access token that expired early (401), once for every adapter of the mailbox", async () => {
    await adapter.accountId();
    const before = graph.tokenRequests;
    graph.expireAccessTokens();
    await Promise.all([adapter.accountId(), adapter.listChanges(calendarId, {}), adapter.getEvent(calendarId, "AAkALgAnone")]);
    expect(graph.tokenRequests - before).toBe(1);
  });

  it("keeps the newest refresh token when Microsoft rotates it", async () => {
    const rotating = await startFakeGraph({ revokeRotatedRefreshTokens: true });
    try {
      const { adapter: mailbox } = microsoftAccount(rotating);
      for (let i = 0; i < 3; i++) {
        rotating.expireAccessTokens();
        await expect(mailbox.accountId()).resolves.toBeTruthy();
      }
    } finally {
      await rotating.close();
    }
  });

  it("R16: a revoked refresh token is AuthRevoked, and the message carries no token", async () => {
    const { adapter: revoked, credentials } = microsoftAccount(graph);
    graph.revokeToken(credentials.refreshToken);
    const error = await revoked.accountId().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthRevoked);
    expect((error as Error).message).toMatch(/invalid_grant AADSTS50173/);
    expect((error as Error).message).not.toContain(credentials.refreshToken);
    expect((error as Error).message).not.toContain(credentials.clientSecret);
  });
});

describe("Microsoft 365 provider definition", () => {
  const provider = microsoftProvider();

  it("is written against the public provider interface alone: nothing of taskcal but ../public.js", () => {
    const folder = "adapters/microsoft";
    for (const file of readdirSync(folder)) {
      const imports = [...readFileSync(join(folder, file), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]);
      for (const spec of imports.filter((s) => s.startsWith("../"))) expect(spec, `${file} imports ${spec}`).toBe("../public.js");
    }
  });

  it("answers Graph's validation request with the token as plain text", () => {
    expect(provider.webhook!({ headers: {}, query: { validationToken: "Validation: Testing" }, body: "" })).toEqual({
      notices: [],
      respond: { status: 200, body: "Validation: Testing", contentType: "text/plain; charset=utf-8" },
    });
  });

  it("reads a notification batch into notices: clientState as channel and token, lifecycle events as renewals", () => {
    const batch = {
      value: [
        { subscriptionId: "sub-1", clientState: "chan-1.sig.nature", changeType: "updated" },
        { subscriptionId: "sub-1", clientState: "chan-1.sig", lifecycleEvent: "reauthorizationRequired" },
        { subscriptionId: "sub-1", clientState: "chan-1.sig", lifecycleEvent: "subscriptionRemoved" },
        { subscriptionId: "sub-1", clientState: "chan-1.sig", lifecycleEvent: "missed" },
        { subscriptionId: "sub-2", clientState: "no-token" },
      ],
    };
    const parsed = provider.webhook!({ headers: {}, query: {}, body: JSON.stringify(batch) });
    expect(parsed.respond).toEqual({ status: 202 });
    expect(parsed.notices).toEqual([
      { channelId: "chan-1", token: "sig.nature", resourceId: "sub-1", changed: true },
      { channelId: "chan-1", token: "sig", resourceId: "sub-1", changed: false, renew: true },
      { channelId: "chan-1", token: "sig", resourceId: "sub-1", changed: true, renew: true },
      { channelId: "chan-1", token: "sig", resourceId: "sub-1", changed: true },
    ]);
    expect(provider.webhook!({ headers: {}, query: {}, body: "not json" }).respond).toEqual({ status: 400 });
  });

  it("checks the company settings: https endpoints (http on localhost only), a tenant, the pace", () => {
    const company = microsoftCompanySchema;
    expect(company.parse({})).toMatchObject({
      tenant: "organizations",
      authorityUrl: "https://login.microsoftonline.com/",
      graphUrl: "https://graph.microsoft.com/v1.0/",
      requestsPerMinute: 600,
    });
    expect(company.parse({ graphUrl: "http://127.0.0.1:9999/v1.0" }).graphUrl).toBe("http://127.0.0.1:9999/v1.0/");
    expect(company.safeParse({ authorityUrl: "http://login.example.com/" }).success).toBe(false);
    expect(company.safeParse({ tenant: "contoso.onmicrosoft.com/../x" }).success).toBe(false);
  });
});
