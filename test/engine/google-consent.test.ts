// Connecting Google accounts in a browser (the authorization code flow with
// PKCE), through the API, the engine and the Google adapter, against the fake
// Google's consent screen and token endpoint.
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import type { Browser } from "../../testkit/browser.js";
import { backend } from "../../testkit/database.js";
import { ok } from "../../testkit/json-client.js";
import { ADMIN, type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(() => world?.close());

const APP = "http://localhost";
const bearer = { authorization: `Bearer ${ADMIN}` };
const live = (calendarId: string, email = world.email) => world.google.user.events(email, calendarId).filter((e) => e.status !== "cancelled");
const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A type, an operator and one binding; the operator on the company account unless told otherwise. */
async function boundOperator(name: string, calendarName: string, operator: Record<string, unknown> = { useConfigToken: true }) {
  const types = ok(await world.call("GET", "/api/event-types"));
  const type =
    types[0] ??
    ok(await world.call("POST", "/api/event-types", { name: "Meeting", googleSync: true, display: { fields: ["number"], features: [] } }));
  const created = ok(await world.call("POST", "/api/operators", { name, googleEnabled: true, ...operator }));
  const [binding] = ok(await world.call("PUT", `/api/operators/${created.id}/calendars`, [{ eventTypeId: type.id, calendarName }]));
  return { typeId: type.id as string, operatorId: created.id as string, bindingId: binding.bindingId as string };
}

async function credential(id: string) {
  return ok(await world.call("GET", "/api/credentials")).find((c: { id: string }) => c.id === id);
}

/** Signs the browser in (POST /session) the way the console does. */
async function signIn(browser: Browser) {
  const answer = await browser.request("POST", `${APP}/session`, { json: { token: ADMIN } });
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text) as { csrfToken: string };
}

async function storedCount(table: "oauth_states") {
  const result = await world.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  return Number((Array.isArray(result) ? result[0] : (result as { rows: { n: number }[] }).rows[0]).n);
}

describe(`consent flow against fake Google (${backend})`, () => {
  it("the company account is connected from a browser without a token ever shown: start → consent → callback → stored → actors incremental", async () => {
    const logLines: string[] = [];
    world = await startGoogleWorld({ logLines });
    await world.setClient({ pollIntervalSeconds: 3600 });
    const { typeId, operatorId, bindingId } = await boundOperator("Anna", "Anna – meetings");
    await world.waitForState(bindingId, "error");
    expect(await credential("company:google")).toMatchObject({
      status: "missing",
      account: null,
      authorizeUrl: `${APP}/oauth/google/start?target=company`,
      bindingIds: [bindingId],
    });

    const browser = world.browser();
    await signIn(browser);
    const page = await browser.open(`${APP}/oauth/google/start?target=company`);
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain("Connected");
    expect(page.text).toContain(world.email);
    expect(page.text).not.toMatch(/1\/\/fake-|ya29\.|4\/fake-/);

    // What the start sent the browser to: Google's consent screen, asking for offline access with PKCE.
    const consent = new URL(browser.visited[1]);
    expect(`${consent.origin}${consent.pathname}`).toBe(world.google.authUrl);
    const asked = Object.fromEntries(consent.searchParams);
    expect(asked).toMatchObject({
      client_id: world.google.clientId,
      redirect_uri: `${APP}/oauth/google/callback`,
      response_type: "code",
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true",
      code_challenge_method: "S256",
    });
    expect(asked.scope.split(" ").sort()).toEqual(["email", "https://www.googleapis.com/auth/calendar", "openid"]);
    expect(asked.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(asked.state.length).toBeGreaterThanOrEqual(43);
    // The flow's cookie is gone once it ended; the state is used up.
    expect(Object.keys(browser.cookies(`${APP}/oauth/google/callback`)).filter((name) => name.startsWith("taskcal_oauth"))).toEqual([]);
    expect(await storedCount("oauth_states")).toBe(0);

    expect(ok(await world.call("GET", "/api/settings")).defaultRefreshTokenSet).toBe(true);
    await world.waitForState(bindingId, "incremental");
    const calendar = world.google.user.calendars(world.email).find((c) => c.summary === "Anna – meetings")!;
    ok(await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "After consent", start: soon(24), end: soon(25) }));
    await expect.poll(() => live(calendar.id).map((e) => e.summary)).toEqual([expect.stringContaining("After consent")]);
    expect(await credential("company:google")).toMatchObject({
      status: "ok",
      account: world.email,
      lastRefreshAt: expect.any(String),
      lastError: null,
      bindingIds: [bindingId],
    });
    const [entry] = ok(await world.call("GET", "/api/audit?limit=1")).items;
    expect(entry).toMatchObject({ resource: "provider-settings", resourceId: "google", change: { defaultRefreshToken: "***", via: "consent" } });

    // Neither the state, the PKCE verifier, the code nor any token reached a log line.
    const secrets = [asked.state, asked.code_challenge, ...browser.visited.flatMap((url) => [...new URL(url).searchParams.values()])].filter(
      (value) => value.length > 20 && !value.startsWith("http"),
    );
    const log = logLines.join("\n");
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/1\/\/fake-|ya29\.fake|4\/fake-/);
  });

  it("an operator's own account: the start with the bearer token, the account chosen on Google's side; the operator leaves the company account", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    world.google.addAccount("anna@example.com");
    world.google.oauth.consentAs("anna@example.com");
    const { operatorId, bindingId } = await boundOperator("Anna", "Visits");
    const page = await world.browser().open(`${APP}/oauth/google/start?target=operator&operatorId=${operatorId}`, { headers: bearer });
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain("anna@example.com");
    expect(page.text).toContain("operator &quot;Anna&quot;");
    expect(ok(await world.call("GET", `/api/operators/${operatorId}`))).toMatchObject({ useConfigToken: false, refreshTokenSet: true });
    await world.waitForState(bindingId, "incremental");
    expect(world.google.user.calendars("anna@example.com").map((c) => c.summary)).toContain("Visits");
    expect(await credential(`operator:${operatorId}`)).toMatchObject({
      kind: "operator",
      status: "ok",
      account: "anna@example.com",
      bindingIds: [bindingId],
    });
  });

  it("a provider whose token answer does not name the account: taskcal asks the calendar whose it is", async () => {
    world = await startGoogleWorld({ adaptProvider: (google) => ({ ...google, oauth: { ...google.oauth!, identity: () => null } }) });
    await world.setClient();
    const page = await world.browser().open(`${APP}/oauth/google/start?target=company`, { headers: bearer });
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain(world.email);
    expect(world.google.callLog.map((call) => call.path)).toEqual(["calendar/v3/calendars/primary"]);
    expect(await credential("company:google")).toMatchObject({ account: world.email, status: "ok" });
  });

  it("refused consent: the page says so, nothing is stored, and the state is used up", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    world.google.oauth.refuseConsent();
    const browser = world.browser();
    const page = await browser.open(`${APP}/oauth/google/start?target=company`, { headers: bearer });
    expect(page.status).toBe(400);
    expect(page.text).toContain("Access was not granted");
    expect(page.text).toContain("Nothing was stored");
    expect(ok(await world.call("GET", "/api/settings")).defaultRefreshTokenSet).toBe(false);
    expect(ok(await world.call("GET", "/api/audit")).items).toHaveLength(1); // the client, set by setClient
    const again = await browser.open(page.url);
    expect(again.status).toBe(400);
    expect(again.text).toContain("unknown or was already used");
  });

  it("forged, replayed, expired and other-browser states are refused (400) and store nothing", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    const settingsToken = async () => ok(await world.call("GET", "/api/settings")).defaultRefreshTokenSet;

    const forged = await world.browser().open(`${APP}/oauth/google/callback?state=${"x".repeat(43)}&code=4/fake-made-up`);
    expect(forged.status).toBe(400);
    expect((await world.browser().open(`${APP}/oauth/google/callback?code=4/fake-made-up`)).status).toBe(400);

    // Replayed: the callback of a flow that went through, opened again after the token was cleared.
    const browser = world.browser();
    const done = await browser.open(`${APP}/oauth/google/start?target=company`, { headers: bearer });
    expect(done.status).toBe(200);
    ok(await world.call("PATCH", "/api/settings", { defaultRefreshToken: null }));
    const replay = await browser.open(done.url);
    expect(replay.status).toBe(400);
    expect(await settingsToken()).toBe(false);

    // Expired: consent given, but the browser comes back after the ten minutes.
    const late = world.browser();
    const halfway = await late.open(`${APP}/oauth/google/start?target=company`, { headers: bearer, stopBefore: /\/oauth\/google\/callback/ });
    await world.database.db.execute(sql`update oauth_states set expires_at = now() - interval '1 second'`);
    const expired = await late.open(halfway.url);
    expect(expired.status).toBe(400);
    expect(expired.text).toContain("expired");
    expect(await settingsToken()).toBe(false);

    // Another browser: the callback address alone (say, a link sent to someone) does not finish the flow.
    const first = world.browser();
    const stolen = await first.open(`${APP}/oauth/google/start?target=company`, { headers: bearer, stopBefore: /\/oauth\/google\/callback/ });
    const elsewhere = await world.browser().open(stolen.url);
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain("another browser");
    expect(await settingsToken()).toBe(false);
    // Nor can the browser that started it use it after that: a state is taken once.
    expect((await first.open(stolen.url)).status).toBe(400);
    expect(await settingsToken()).toBe(false);
  });

  it("Google's refusals of the code show on the page and store nothing: no refresh token, a wrong client secret", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    world.google.oauth.nextGrantWithoutRefreshToken();
    const none = await world.browser().open(`${APP}/oauth/google/start?target=company`, { headers: bearer });
    expect(none.status).toBe(502);
    expect(none.text).toContain("sent no refresh token");
    expect(none.text).toContain("myaccount.google.com/permissions");

    ok(await world.call("PATCH", "/api/settings", { googleClientSecret: "not-the-secret" }));
    const wrong = await world.browser().open(`${APP}/oauth/google/start?target=company`, { headers: bearer });
    expect(wrong.status).toBe(502);
    expect(wrong.text).toContain("invalid_client");
    expect(wrong.text).toContain("client id or secret");
    expect(wrong.text).not.toContain("not-the-secret");
    expect(ok(await world.call("GET", "/api/settings")).defaultRefreshTokenSet).toBe(false);
  });

  it("re-authorization: a revoked company token stops every actor on it, each points at the consent flow, and connecting again brings them back", async () => {
    world = await startGoogleWorld();
    const { bindingId, calendarId, typeId, operatorId } = await world.setUp();
    const jan = await boundOperator("Jan", "Jan – meetings");
    await world.waitForState(jan.bindingId, "incremental");
    ok(await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Kept", start: soon(24), end: soon(25) }));
    await expect.poll(() => live(calendarId).length).toBe(1);
    await world.settle(bindingId);

    world.google.revokeToken(world.refreshToken);
    world.google.expireAccessTokens();
    const tokenCallsBefore = world.google.tokenRequests;
    await world.call("POST", `/api/actors/${bindingId}/sync`);
    // Jan's actor is told, not left to find out at its next poll (an hour away).
    await world.waitForState(jan.bindingId, "error");
    await world.waitForState(bindingId, "error");
    expect(world.google.tokenRequests - tokenCallsBefore).toBe(1);
    for (const id of [bindingId, jan.bindingId]) {
      const { lastError } = ok(await world.call("GET", `/api/actors/${id}`));
      expect(lastError).toMatchObject({ code: "auth_revoked", reauthorizeUrl: `${APP}/oauth/google/start?target=company` });
      expect(lastError.message).toContain('"Testing" publishing status');
      expect(lastError.message).toContain("7 days");
    }
    expect(await credential("company:google")).toMatchObject({ status: "revoked", lastError: { code: "auth_revoked" } });

    const browser = world.browser();
    await signIn(browser);
    const { lastError } = ok(await world.call("GET", `/api/actors/${bindingId}`));
    const page = await browser.open(lastError.reauthorizeUrl);
    expect(page.status, page.text).toBe(200);
    // Google's account chooser starts on the account that was connected.
    expect(new URL(browser.visited[1]).searchParams.get("login_hint")).toBe(world.email);
    await world.waitForState(bindingId, "incremental");
    await world.waitForState(jan.bindingId, "incremental");
    await world.settle(bindingId);
    expect(live(calendarId)).toHaveLength(1);
    expect(await credential("company:google")).toMatchObject({ status: "ok", account: world.email });
  });
});
