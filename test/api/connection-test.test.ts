// POST /api/operators/{id}/test against a real Radicale, and GET
// /api/credentials as an administrator setting up sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCalDavAdapterFactory } from "../../adapters/caldav/index.js";
import { backend } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";
import { type RadicaleServer, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "../caldav/with-radicale.js";
import { type ApiHarness, openApi } from "./api-harness.js";

describeWithRadicale(`connection test against Radicale (${backend})`, () => {
  let radicale: RadicaleServer;
  let api: ApiHarness;
  beforeAll(async () => {
    [radicale, api] = await Promise.all([startRadicale(), openApi({ providers: builtInRegistry({ caldav: { allowHttp: true } }) })]);
  });
  afterAll(async () => {
    await api?.close();
    await radicale?.stop();
  });

  /** The calendars the user has, as another client lists them. */
  async function calendarCount() {
    const answer = await radicale.request("PROPFIND", `${radicale.users[0].username}/`, { headers: { depth: "1" } });
    return ((await answer.text()).match(/<[a-z]*:?calendar\s*\/>/gi) ?? []).length;
  }

  it("signs in, finds the calendar home and each bound calendar by name, creates nothing; a wrong password is the first failure", async () => {
    const user = radicale.users[0];
    await createCalDavAdapterFactory({ allowHttp: true })(radicale.credentials(user)).findOrCreateCalendar("Visits");
    const type = await api.create("/api/event-types", { name: "Visit", googleSync: true });
    const call = await api.create("/api/event-types", { name: "Call", googleSync: true });
    const operator = await api.create("/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: radicale.url, username: user.username, password: user.password },
    });
    await api.call("PUT", `/api/operators/${operator.id}/calendars`, [
      { eventTypeId: type.id, calendarName: "Visits" },
      { eventTypeId: call.id, calendarName: "Calls" },
    ]);
    const before = await calendarCount();
    expect(before).toBeGreaterThan(0);
    // No operator uses a company account, and none is set: only the operator's own is a credential.
    expect((await api.call("GET", "/api/credentials")).body).toEqual([
      expect.objectContaining({ id: `operator:${operator.id}`, provider: "caldav", status: "unverified", authorizeUrl: null }),
    ]);

    const result = await api.call("POST", `/api/operators/${operator.id}/test`);
    expect(result.status).toBe(200);
    const principal = `${radicale.url}${user.username}/`;
    expect(result.body).toEqual({
      ok: true,
      steps: [
        { step: "credentials", ok: true, message: "signs in with the operator's own CalDAV account" },
        { step: "sign-in", ok: true, account: principal, message: `signed in as ${principal}` },
        expect.objectContaining({ step: "calendar", calendarName: "Calls", ok: true, found: false }),
        expect.objectContaining({ step: "calendar", calendarName: "Visits", ok: true, found: true, calendarId: expect.stringMatching(/^\//) }),
      ],
    });
    expect(await calendarCount()).toBe(before);
    const [own] = (await api.call("GET", "/api/credentials")).body;
    expect(own).toMatchObject({ status: "ok", account: principal, lastRefreshAt: expect.any(String), lastError: null });

    await api.call("PATCH", `/api/operators/${operator.id}`, { caldav: { password: "not-the-password" } });
    const failed = await api.call("POST", `/api/operators/${operator.id}/test`);
    expect(failed.body.ok).toBe(false);
    expect(failed.body.steps.map((s: { step: string; ok: boolean }) => [s.step, s.ok])).toEqual([
      ["credentials", true],
      ["sign-in", false],
    ]);
    expect(failed.body.steps[1].message).toContain("username or password");
    expect(failed.text).not.toContain("not-the-password");
    // The replaced password is another credential: what the test found of it is what the list shows.
    const [refused] = (await api.call("GET", "/api/credentials")).body;
    expect(refused).toMatchObject({ status: "revoked", lastError: { code: "auth_revoked", at: expect.any(String) } });
  });

  it("an account without its password is missing, before anything is sent", async () => {
    const operator = await api.create("/api/operators", {
      name: "No password",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: radicale.url, username: "nobody" },
    });
    const result = await api.call("POST", `/api/operators/${operator.id}/test`);
    expect(result.body).toEqual({ ok: false, steps: [{ step: "credentials", ok: false, message: expect.stringContaining("no password") }] });
    const listed = (await api.call("GET", "/api/credentials")).body.find((c: { id: string }) => c.id === `operator:${operator.id}`);
    expect(listed).toMatchObject({ status: "missing", lastError: { code: "missing_credentials", at: null } });
  });
});

describe(`credentials before anything is connected (${backend})`, () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await openApi();
  });
  afterAll(() => api?.close());

  it("lists the company account and each operator's own, with what is missing and where to connect it; never a secret", async () => {
    // On the company account: its credential is the company's, not one of its own.
    await api.create("/api/operators", { name: "Shared", googleEnabled: true, useConfigToken: true });
    const own = await api.create("/api/operators", { name: "Own", googleEnabled: true, useConfigToken: false, refreshToken: "1//pasted-token" });
    const list = (await api.call("GET", "/api/credentials")).body;
    expect(list.map((c: { id: string }) => c.id)).toEqual(["company:google", `operator:${own.id}`]);
    expect(list[0]).toMatchObject({
      kind: "company",
      provider: "google",
      operatorId: null,
      status: "missing",
      account: null,
      lastRefreshAt: null,
      lastError: { code: "missing_credentials", message: expect.stringContaining("not set"), at: null },
      authorizeUrl: "http://localhost/oauth/google/start?target=company",
    });
    // The OAuth client is not set, so even a pasted token cannot be used yet.
    expect(list[1]).toMatchObject({ kind: "operator", operatorId: own.id, status: "missing" });
    await api.call("PATCH", "/api/settings", { googleClientId: "client", googleClientSecret: "client-secret" });
    const [company, operator] = (await api.call("GET", "/api/credentials")).body;
    expect(company.status).toBe("missing");
    expect(operator).toMatchObject({
      status: "unverified",
      lastError: null,
      authorizeUrl: `http://localhost/oauth/google/start?target=operator&operatorId=${own.id}`,
    });
    await api.call("PATCH", "/api/settings", { defaultRefreshToken: "1//company-token" });
    expect((await api.call("GET", "/api/credentials")).body[0]).toMatchObject({ status: "unverified", lastError: null });
    const text = (await api.call("GET", "/api/credentials")).text;
    for (const secret of ["1//pasted-token", "1//company-token", "client-secret"]) expect(text).not.toContain(secret);
  });
});
