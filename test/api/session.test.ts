// Browser sessions (POST/GET/DELETE /session) and the guards of the consent
// flow's start, through the app in process.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../api/app.js";
import { SignInThrottle } from "../../api/sign-in-throttle.js";
import { createLogger } from "../../logger.js";
import { Browser } from "../../testkit/browser.js";
import { backend } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

const READONLY_TOKEN = "test-readonly-token-0123456789";
const APP = "http://localhost";

describe(`sessions (${backend})`, () => {
  let api: ApiHarness;
  const browserOf = (app = api.app) => new Browser({ [APP]: (url, init) => app.request(url.toString(), init) });
  beforeAll(async () => {
    api = await openApi({ readonlyToken: READONLY_TOKEN });
  });
  afterAll(() => api?.close());

  async function signIn(browser: Browser, token = ADMIN_TOKEN) {
    const answer = await browser.request("POST", `${APP}/session`, { json: { token } });
    return { ...answer, body: JSON.parse(answer.text) };
  }

  it("signs in with the admin token: an HttpOnly SameSite=Lax cookie, kept in the database only as a digest", async () => {
    const browser = browserOf();
    const answer = await signIn(browser);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ kind: "admin", csrfToken: expect.any(String), expiresAt: expect.any(String) });
    expect(Date.parse(answer.body.expiresAt) - Date.now()).toBeGreaterThan(11.9 * 3_600_000);
    const [cookie] = answer.headers.getSetCookie();
    expect(cookie).toMatch(/^taskcal_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Path=/");
    const token = browser.cookies(`${APP}/api`).taskcal_session;
    const stored = JSON.stringify(await api.database.db.execute(sql`select * from sessions`));
    expect(stored).not.toContain(token);
    expect(answer.text).not.toContain(token);
    expect(api.logLines.join("\n")).not.toContain(token);
  });

  it("the cookie reads the API; a change needs the session's CSRF token as X-CSRF-Token", async () => {
    const browser = browserOf();
    const { body } = await signIn(browser);
    expect((await browser.request("GET", `${APP}/api/settings`)).status).toBe(200);
    const bare = await browser.request("PATCH", `${APP}/api/settings`, { json: { monthsBack: 4 } });
    expect(bare.status).toBe(403);
    expect(JSON.parse(bare.text).error.message).toContain("X-CSRF-Token");
    const wrong = await browser.request("PATCH", `${APP}/api/settings`, { json: { monthsBack: 4 }, headers: { "X-CSRF-Token": "made-up" } });
    expect(wrong.status).toBe(403);
    const other = await signIn(browserOf());
    const foreign = await browser.request("PATCH", `${APP}/api/settings`, {
      json: { monthsBack: 4 },
      headers: { "X-CSRF-Token": other.body.csrfToken },
    });
    expect(foreign.status).toBe(403);
    const right = await browser.request("PATCH", `${APP}/api/settings`, { json: { monthsBack: 4 }, headers: { "X-CSRF-Token": body.csrfToken } });
    expect(right.status).toBe(200);
    expect(JSON.parse(right.text).monthsBack).toBe(4);
    const again = await browser.request("GET", `${APP}/session`);
    expect(JSON.parse(again.text)).toEqual({ kind: "admin", csrfToken: body.csrfToken, expiresAt: body.expiresAt });
    // The audit log records who: the admin, signed in.
    const [entry] = (await api.call("GET", "/api/audit?limit=1")).body.items;
    expect(entry).toMatchObject({ tokenKind: "admin", method: "PATCH", change: { monthsBack: 4 } });
  });

  it("the read-only token gives a read-only session: reads, and 403 on every change even with the CSRF token", async () => {
    const browser = browserOf();
    const { status, body } = await signIn(browser, READONLY_TOKEN);
    expect(status).toBe(200);
    expect(body.kind).toBe("readonly");
    expect((await browser.request("GET", `${APP}/api/operators`)).status).toBe(200);
    const write = await browser.request("POST", `${APP}/api/event-types`, {
      json: { name: "X", googleSync: false },
      headers: { "X-CSRF-Token": body.csrfToken },
    });
    expect(write.status).toBe(403);
    expect((await browser.open(`${APP}/oauth/google/start?target=company`)).status).toBe(403);
  });

  it("a session works on every replica (another app on the same database) and ends on all of them at sign-out", async () => {
    const replica = createApp({
      database: api.database,
      secrets: api.secrets,
      adminToken: ADMIN_TOKEN,
      logger: createLogger("silent"),
      providers: builtInRegistry(),
    });
    const browser = new Browser({ [APP]: (url, init) => api.app.request(url.toString(), init) });
    const { body } = await signIn(browser);
    const cookie = `taskcal_session=${browser.cookies(`${APP}/api`).taskcal_session}`;
    const onReplica = (method: string, path: string, headers: Record<string, string> = {}) =>
      replica.request(path, { method, headers: { cookie, ...headers } });
    expect((await onReplica("GET", "/api/settings")).status).toBe(200);
    expect((await onReplica("PATCH", "/api/settings", { "X-CSRF-Token": body.csrfToken, "content-type": "application/json" })).status).toBe(400);

    const out = await browser.request("DELETE", `${APP}/session`);
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^taskcal_session=;.*Max-Age=0/);
    expect(browser.cookies(`${APP}/api`).taskcal_session).toBeUndefined();
    expect((await onReplica("GET", "/api/settings")).status).toBe(401);
    expect((await onReplica("GET", "/session")).status).toBe(401);
  });

  it("a session ends 12 hours after signing in", async () => {
    const browser = browserOf();
    await signIn(browser);
    await api.database.db.execute(sql`update sessions set expires_at = now() - interval '1 second'`);
    const answer = await browser.request("GET", `${APP}/api/settings`);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).error.message).toContain("session has ended");
  });

  it("wrong tokens are 401 and count against the address like wrong bearer tokens; bad bodies are 400", async () => {
    let now = 0;
    const throttled = await openApi({ signInThrottle: new SignInThrottle({ attempts: 3, now: () => now }) });
    try {
      const browser = new Browser({ [APP]: (url, init) => throttled.app.request(url.toString(), init) });
      expect((await browser.request("POST", `${APP}/session`, { json: { token: "nope-nope-nope-nope" } })).status).toBe(401);
      expect((await browser.request("POST", `${APP}/session`, { json: { token: "" } })).status).toBe(400);
      expect((await browser.request("POST", `${APP}/session`, { json: { token: ADMIN_TOKEN, extra: 1 } })).status).toBe(400);
      expect((await throttled.call("GET", "/api/settings", undefined, { token: "wrong-wrong-wrong-1" })).status).toBe(401);
      expect((await browser.request("POST", `${APP}/session`, { json: { token: "nope-nope-nope-nope" } })).status).toBe(401);
      const blocked = await browser.request("POST", `${APP}/session`, { json: { token: ADMIN_TOKEN } });
      expect(blocked.status).toBe(429);
      expect(blocked.headers.get("retry-after")).toBe("60");
      now += 60_001;
      expect((await browser.request("POST", `${APP}/session`, { json: { token: ADMIN_TOKEN } })).status).toBe(200);
      expect((await browser.request("GET", `${APP}/session`)).status).toBe(200);
      expect((await browserOf(throttled.app).request("GET", `${APP}/session`)).status).toBe(401);
    } finally {
      await throttled.close();
    }
  });
});

describe(`the consent flow's start (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi({ readonlyToken: READONLY_TOKEN });
  });
  afterAll(() => api?.close());

  const start = (query: string, token: string | null = ADMIN_TOKEN) => api.call("GET", `/oauth/google/start?${query}`, undefined, { token });

  it("needs the admin, names what is wrong, and starts nothing until the OAuth client is set", async () => {
    expect((await start("target=company", null)).status).toBe(401);
    expect((await start("target=company", "wrong-wrong-wrong-wrong")).status).toBe(401);
    expect((await start("target=company", READONLY_TOKEN)).status).toBe(403);
    const noClient = await start("target=company");
    expect(noClient.status).toBe(409);
    expect(noClient.body.error.message).toContain("OAuth client");
    await api.call("PATCH", "/api/settings", { googleClientId: "client.apps.googleusercontent.com", googleClientSecret: "client-secret" });
    const badTarget = await start("target=everyone");
    expect(badTarget.status).toBe(400);
    expect(badTarget.body.error.details[0].path).toBe("target");
    expect((await start("target=operator")).body.error.details[0].path).toBe("operatorId");
    expect((await start("target=operator&operatorId=00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const dav = await api.create("/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: "https://dav.example.com/", username: "dav", password: "pw" },
    });
    expect((await start(`target=operator&operatorId=${dav.id}`)).status).toBe(409);
    expect((await api.call("GET", "/oauth/caldav/start?target=company")).status).toBe(404);
    expect((await api.call("GET", "/oauth/nothing/callback?state=x&code=y", undefined, { token: null })).status).toBe(400);
  });

  it("redirects to Google's consent screen with PKCE, sets a browser cookie for the flow, and keeps the state only as a digest", async () => {
    const answer = await start("target=company");
    expect(answer.status).toBe(302);
    const location = new URL(answer.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    const state = location.searchParams.get("state")!;
    expect(location.searchParams.get("redirect_uri")).toBe("http://localhost/oauth/google/callback");
    const [cookie] = answer.headers.getSetCookie();
    expect(cookie).toMatch(/^taskcal_oauth_[A-Za-z0-9_]{16}=[A-Za-z0-9_-]{43}; Max-Age=600; Path=\/oauth\/; HttpOnly; SameSite=Lax$/);
    const stored = JSON.stringify(await api.database.db.execute(sql`select * from oauth_states`));
    expect(stored).not.toContain(state);
    expect(stored).not.toContain(cookie.split(";")[0].split("=")[1]);
    expect(api.logLines.join("\n")).not.toContain(state);
  });
});
