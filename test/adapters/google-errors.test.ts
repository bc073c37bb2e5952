import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type AdapterError,
  AuthRevoked,
  type CalendarAdapter,
  NotFound,
  Permanent,
  PermissionDenied,
  RateLimited,
  SyncTokenExpired,
  Transient,
} from "../../adapters/types.js";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { type GoogleTestAccount, googleAccount } from "./google-harness.js";

const ATTEMPTS = 3;
let google: FakeGoogle;
let account: GoogleTestAccount;
let adapter: CalendarAdapter;
let calendarId: string;

beforeAll(async () => {
  google = await startFakeGoogle({ quota: { limit: 1_000_000, windowMs: 60_000 } });
});
afterAll(async () => {
  await google.close();
});
beforeEach(async () => {
  google.clearFaults();
  account = googleAccount(google, { retry: { maxAttempts: ATTEMPTS, baseDelayMs: 10, maxDelayMs: 1_500 }, timeoutMs: 500 });
  adapter = account.adapter;
  calendarId = (await adapter.findOrCreateCalendar("Errors")).id;
});

const list = () => adapter.listChanges(calendarId, {});
const listCalls = () => google.callLog.filter((c) => c.account === account.email && c.path.endsWith("/events")).length;

async function failure(promise: Promise<unknown>): Promise<AdapterError> {
  return promise.then(
    () => expect.fail("the call succeeded"),
    (error: AdapterError) => error,
  );
}

describe("Google answers become normalized adapter errors", () => {
  it("R16: a revoked refresh token (invalid_grant) is AuthRevoked, and the message holds no secret", async () => {
    const fresh = googleAccount(google);
    google.revokeToken(fresh.credentials.refreshToken);
    const error = await failure(fresh.adapter.findOrCreateCalendar("Work"));
    expect(error).toBeInstanceOf(AuthRevoked);
    expect(error.message).toContain("invalid_grant");
    for (const secret of [fresh.credentials.refreshToken, fresh.credentials.clientSecret]) {
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
  });

  it("R16: an access token Google no longer accepts (401) is refreshed once and the call goes through", async () => {
    const before = google.tokenRequests;
    google.expireAccessTokens();
    await expect(list()).resolves.toMatchObject({ events: [] });
    expect(google.tokenRequests).toBe(before + 1);
  });

  it("R16: a 401 that survives a fresh token is AuthRevoked", async () => {
    google.injectFaults({ status: 401, times: 2 });
    expect(await failure(list())).toBeInstanceOf(AuthRevoked);
  });

  it("R16: 403 rateLimitExceeded and userRateLimitExceeded are RateLimited after a few paced tries", async () => {
    for (const reason of ["rateLimitExceeded", "userRateLimitExceeded"]) {
      const calls = listCalls();
      google.injectFaults({ status: 403, reason, times: ATTEMPTS });
      const error = await failure(list());
      expect(error).toBeInstanceOf(RateLimited);
      expect(error).toMatchObject({ status: 403, retryable: true });
      expect(listCalls() - calls).toBe(ATTEMPTS);
    }
  });

  it("R16: a 429 whose Retry-After fits the adapter's patience is waited out", async () => {
    google.injectFaults({ status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await expect(list()).resolves.toMatchObject({ events: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("R16: a 429 with a long Retry-After goes straight to the engine, carrying the delay", async () => {
    google.injectFaults({ status: 429, retryAfterSeconds: 120 });
    const calls = listCalls();
    const error = await failure(list());
    expect(error).toBeInstanceOf(RateLimited);
    expect((error as RateLimited).retryAfterMs).toBe(120_000);
    expect(listCalls() - calls).toBe(1);
  });

  it("R16: one 503 is retried inside the adapter; repeated 500s become Transient", async () => {
    google.injectFaults({ status: 503 });
    await expect(list()).resolves.toMatchObject({ events: [] });
    google.injectFaults({ status: 500, times: ATTEMPTS });
    expect(await failure(list())).toMatchObject({ code: "Transient", status: 500, retryable: true });
  });

  it("R16: a dropped connection and a timeout are Transient", async () => {
    google.injectFaults({ reset: true, times: ATTEMPTS });
    expect(await failure(list())).toBeInstanceOf(Transient);
    google.injectFaults({ latencyMs: 800, times: ATTEMPTS });
    expect(await failure(list())).toBeInstanceOf(Transient);
  });

  it("R16: a missing calendar permission (403 forbidden) is PermissionDenied and not retried", async () => {
    for (const reason of ["forbidden", "insufficientPermissions"]) {
      const calls = listCalls();
      google.injectFaults({ status: 403, reason, message: "You need to have writer access to this calendar." });
      const error = await failure(list());
      expect(error).toBeInstanceOf(PermissionDenied);
      expect(error.message).toContain("writer access");
      expect(listCalls() - calls).toBe(1);
    }
  });

  it("other 4xx answers are Permanent", async () => {
    google.injectFaults({ status: 400 });
    expect(await failure(list())).toBeInstanceOf(Permanent);
  });

  it("R16: 410 fullSyncRequired is SyncTokenExpired", async () => {
    const { syncToken } = await list();
    google.injectFaults({ status: 410 });
    expect(await failure(adapter.listChanges(calendarId, { syncToken }))).toBeInstanceOf(SyncTokenExpired);
  });

  it("a calendar that is gone (404) is NotFound", async () => {
    google.user.deleteCalendar(account.email, calendarId);
    expect(await failure(list())).toBeInstanceOf(NotFound);
  });
});
