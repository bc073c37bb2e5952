import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGoogleAdapterFactory, type GoogleAdapterFactory } from "../../adapters/google/index.js";
import type { AdapterError, ChangePage } from "../../adapters/types.js";
import { type FakeGoogle, type LoggedCall, startFakeGoogle } from "../../testkit/fake-google/server.js";
import { type GoogleTestAccount, googleAccount } from "./google-harness.js";

// Quiet polls of many accounts of one project travel in Google's batch
// requests (adapters/google/poll-batcher.ts). What a user sees must not change:
// every account gets its own changes, and a refused poll ends as it would alone.

const ACCOUNTS = 8;
/** Long enough that polls started together always meet in one window, even on a loaded machine. */
const WINDOW_MS = 1_000;

let google: FakeGoogle;

beforeAll(async () => {
  google = await startFakeGoogle({ quota: { limit: 1_000_000, windowMs: 60_000 } });
});
afterAll(async () => {
  await google.close();
});
beforeEach(() => {
  google.clearFaults();
  google.setQuota(1_000_000);
});

interface Polling extends GoogleTestAccount {
  calendarId: string;
  syncToken: string;
}

function factory(pollBatchWindowMs: number): GoogleAdapterFactory {
  return createGoogleAdapterFactory({
    apiRootUrl: google.rootUrl,
    tokenUrl: google.tokenUrl,
    requestsPerMinute: 600_000,
    retry: { maxAttempts: 1 },
    pollBatchWindowMs,
  });
}

/** Accounts of one factory, each with a calendar listed in full (its sync token in hand). */
async function accounts(shared: GoogleAdapterFactory, count = ACCOUNTS): Promise<Polling[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const account = googleAccount(google, {}, shared);
      const calendarId = (await account.adapter.findOrCreateCalendar("Work")).id;
      const page = await account.adapter.listChanges(calendarId, { windowStart: "2020-01-01T00:00:00Z" });
      return { ...account, calendarId, syncToken: page.syncToken! };
    }),
  );
}

/** A routine poll (its timer came due): it may travel in a batch. */
const poll = (account: Polling) => account.adapter.listChanges(account.calendarId, { syncToken: account.syncToken, routine: true });

/** The polls of all accounts at once: each one's page, or its error. */
function pollAll(all: Polling[]): Promise<PromiseSettledResult<ChangePage>[]> {
  return Promise.allSettled(all.map(poll));
}

function since(from: number): LoggedCall[] {
  return google.callLog.slice(from);
}

function pollsOf(calls: LoggedCall[], account: Polling): LoggedCall[] {
  return calls.filter((c) => c.account === account.email && c.path.endsWith("/events") && c.query.syncToken !== undefined);
}

function errorOf(result: PromiseSettledResult<ChangePage> | undefined): AdapterError {
  if (result?.status !== "rejected") throw new Error("the poll succeeded");
  return result.reason as AdapterError;
}

describe("Google: quiet polls of many accounts go out in batch requests", () => {
  it("accounts polling at once share a few HTTP requests, and each gets its own changes", async () => {
    const shared = factory(WINDOW_MS);
    const logFrom = google.callLog.length;
    const all = await accounts(shared);
    // Full listings and calendar look-ups are work under way, never batched.
    expect(since(logFrom).filter((c) => c.batch !== undefined)).toEqual([]);

    const changed = all[3];
    google.user.createEvent(changed.email, changed.calendarId, {
      summary: "Dentist",
      start: { dateTime: "2030-05-01T09:00:00Z" },
      end: { dateTime: "2030-05-01T10:00:00Z" },
    });
    const pollsFrom = google.callLog.length;
    const requestsBefore = google.httpRequests;
    const batchesBefore = google.batchRequests;
    const results = await pollAll(all);

    for (const [i, result] of results.entries()) {
      expect(result.status).toBe("fulfilled");
      const page = (result as PromiseFulfilledResult<ChangePage>).value;
      expect(page.events.map((e) => e.summary)).toEqual(i === 3 ? ["Dentist"] : []);
      expect(page.syncToken).toBeDefined();
    }
    // Google still sees (and counts) one call per poll.
    const calls = since(pollsFrom);
    for (const account of all) expect(pollsOf(calls, account).map((c) => c.status)).toEqual([200]);
    // The first poll went at once; the others waited for it in one batch.
    expect(calls.filter((c) => c.batch !== undefined)).toHaveLength(ACCOUNTS - 1);
    expect(google.batchRequests - batchesBefore).toBe(1);
    expect(google.httpRequests - requestsBefore).toBe(2);

    // The next polls carry on from the tokens the batch brought.
    const next = await pollAll(all.map((a, i) => ({ ...a, syncToken: (results[i] as PromiseFulfilledResult<ChangePage>).value.syncToken! })));
    expect(next.map((r) => r.status === "fulfilled" && r.value.events.length)).toEqual(all.map(() => 0));
  });

  it("a pull a push notice asked for goes at once, while routine polls wait for the batch", async () => {
    const all = await accounts(factory(WINDOW_MS), 4);
    const batchesBefore = google.batchRequests;
    const [first, ...others] = all;
    const routine = [poll(first), ...others.slice(1).map(poll)];
    // A notice's pull (not routine) of the second account, while the window the first poll opened is open.
    const noticed = others[0].adapter.listChanges(others[0].calendarId, { syncToken: others[0].syncToken });
    await expect(noticed).resolves.toMatchObject({ events: [] });
    // It came back before the window closed: the routine polls still wait for their batch.
    expect(google.batchRequests).toBe(batchesBefore);
    await Promise.all(routine);
    expect(google.batchRequests - batchesBefore).toBe(1);
  });

  it("with the window at 0 every poll is its own GET", async () => {
    const all = await accounts(factory(0), 3);
    const batchesBefore = google.batchRequests;
    const results = await pollAll(all);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(google.batchRequests).toBe(batchesBefore);
  });

  it("an access token Google no longer accepts (401 in its part) is refreshed and the poll goes through", async () => {
    const all = await accounts(factory(WINDOW_MS));
    const tokensBefore = google.tokenRequests;
    const batchesBefore = google.batchRequests;
    const pollsFrom = google.callLog.length;
    google.expireAccessTokens();
    const results = await pollAll(all);
    expect(results.map((r) => r.status)).toEqual(all.map(() => "fulfilled"));
    // One refresh per account, after its part was refused.
    expect(google.tokenRequests - tokensBefore).toBe(ACCOUNTS);
    // Refused parts are not in the log (Google's neither counts nor logs calls it cannot authenticate); their batch is.
    expect(google.batchRequests - batchesBefore).toBeGreaterThan(0);
    for (const account of all) expect(pollsOf(since(pollsFrom), account).map((c) => c.status)).toEqual([200]);
  });

  /** One account's poll is refused in a batch beside the others, then the same refusal alone: both end alike. */
  async function refusedAlike(
    refuse: (account: Polling) => Promise<void> | void,
  ): Promise<{ batched: AdapterError; alone: AdapterError; refusedCalls: LoggedCall[] }> {
    const all = await accounts(factory(WINDOW_MS));
    const refused = all[5];
    await refuse(refused);
    const pollsFrom = google.callLog.length;
    const results = await pollAll(all);
    for (const [i, result] of results.entries()) if (i !== 5) expect(result.status).toBe("fulfilled");
    const [lone] = await accounts(factory(0), 1);
    await refuse(lone);
    const alone = await Promise.allSettled([poll(lone)]);
    return { batched: errorOf(results[5]), alone: errorOf(alone[0]), refusedCalls: pollsOf(since(pollsFrom), refused) };
  }

  it("a stale sync token (410) in a batch ends as it does alone: SyncTokenExpired", async () => {
    const { batched, alone, refusedCalls } = await refusedAlike((account) => google.invalidateSyncTokens(account.calendarId));
    expect(batched.name).toBe("SyncTokenExpired");
    // Refused in its part of the batch, and not asked again.
    expect(refusedCalls.map((c) => [c.status, c.batch !== undefined])).toEqual([[410, true]]);
    expect({ name: batched.name, code: batched.code, status: batched.status }).toEqual({ name: alone.name, code: alone.code, status: alone.status });
  });

  it("an account over its quota (403 rateLimitExceeded in its part) ends as it does alone: RateLimited", async () => {
    const { batched, alone, refusedCalls } = await refusedAlike(async (account) => {
      // The quota is per user: this account uses all of it, the others none.
      google.setQuota(3);
      for (let i = 0; i < 3; i++) await account.adapter.getEvent(account.calendarId, `missing${i}`);
    });
    expect(batched.name).toBe("RateLimited");
    expect(refusedCalls.map((c) => [c.status, c.batch !== undefined])).toEqual([[403, true]]);
    expect({ name: batched.name, code: batched.code, status: batched.status }).toEqual({ name: alone.name, code: alone.code, status: alone.status });
  });

  it("a revoked refresh token ends as it does alone: AuthRevoked", async () => {
    const { batched, alone } = await refusedAlike((account) => {
      google.revokeToken(account.credentials.refreshToken);
    });
    expect(batched.name).toBe("AuthRevoked");
    expect({ name: batched.name, code: batched.code }).toEqual({ name: alone.name, code: alone.code });
  });

  it.each([
    ["fails", { status: 503 }],
    ["drops its connection", { reset: true }],
  ])("a batch that %s as a whole: each of its polls is sent alone and gets its answer", async (_, fault) => {
    const all = await accounts(factory(WINDOW_MS));
    const batchesBefore = google.batchRequests;
    google.injectFaults({ path: /^batch\//, ...fault });
    const pollsFrom = google.callLog.length;
    const results = await pollAll(all);
    expect(results.map((r) => r.status)).toEqual(all.map(() => "fulfilled"));
    expect(google.batchRequests - batchesBefore).toBe(1);
    // The failed batch served none of them: every poll was served once, alone.
    const calls = since(pollsFrom);
    for (const account of all) expect(pollsOf(calls, account).map((c) => [c.status, c.batch])).toEqual([[200, undefined]]);
  });
});
