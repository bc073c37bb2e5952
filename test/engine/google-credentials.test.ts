// Credentials as a Google account sees them, through the API and the engine
// against the fake Google: one account's tokens share its pace and its
// calendars (R17, R5), a Workspace service account stands in for refresh
// tokens, credential health, and the connection test.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { ok } from "../../testkit/json-client.js";
import { type GoogleWorld, startGoogleWorld } from "./google-world.js";

let world: GoogleWorld;
afterEach(() => world?.close());

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

async function credential(id: string) {
  return ok(await world.call("GET", "/api/credentials")).find((c: { id: string }) => c.id === id);
}

async function operatorWith(name: string, typeId: string, calendarName: string, account: Record<string, unknown>, googleEnabled = true) {
  const operator = ok(await world.call("POST", "/api/operators", { name, googleEnabled, useConfigToken: false, account }));
  const [binding] = ok(await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: typeId, calendarName }]));
  return { operatorId: operator.id as string, bindingId: binding.bindingId as string };
}

describe(`one Google account, several tokens (${backend})`, () => {
  it("R17/R5: two pasted tokens of one account share one pacer (no 403s at 90% of the quota) and one set of calendar claims", async () => {
    // Google's quota scaled down: 10 calls per second per account, counted over 3 s so that a loaded machine's
    // delivery jitter (the fake counts arrivals, the pacer spaces departures) does not decide the test.
    // Each token alone would keep 9/s, together 18/s.
    world = await startGoogleWorld({ quota: { limit: 30, windowMs: 3_000 } });
    await world.setClient({ googleRequestsPerMinute: 540, pollIntervalSeconds: 3600 });
    const email = "shared@example.com";
    const [first, second, third] = [world.google.addAccount(email), world.google.addAccount(email), world.google.addAccount(email)];
    const type = ok(await world.call("POST", "/api/event-types", { name: "Meeting", googleSync: true }));
    // Disabled at first: no actor has used the tokens yet.
    const anna = await operatorWith("Anna", type.id, "Anna – meetings", { refreshToken: first }, false);
    const jan = await operatorWith("Jan", type.id, "Jan – meetings", { refreshToken: second }, false);
    expect(await credential(`operator:${anna.operatorId}`)).toMatchObject({ status: "unverified", account: null });
    for (const { operatorId } of [anna, jan]) ok(await world.call("PATCH", `/api/operators/${operatorId}`, { googleEnabled: true }));
    await world.waitForState(anna.bindingId, "incremental");
    await world.waitForState(jan.bindingId, "incremental");
    // A pasted token's account is learned at its first call.
    expect(await credential(`operator:${anna.operatorId}`)).toMatchObject({ status: "ok", account: email });
    expect(await credential(`operator:${jan.operatorId}`)).toMatchObject({ status: "ok", account: email });

    for (let i = 0; i < 25; i++) {
      for (const operatorId of [anna.operatorId, jan.operatorId]) {
        ok(await world.call("POST", "/api/tasks", { eventTypeId: type.id, operatorId, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) }));
      }
    }
    const liveCount = () =>
      world.google.user
        .calendars(email)
        .flatMap((c) => world.google.user.events(email, c.id))
        .filter((e) => e.status !== "cancelled").length;
    await expect.poll(liveCount, { timeout: 30_000 }).toBe(50);
    await world.settle(anna.bindingId);
    await world.settle(jan.bindingId);
    expect(world.google.rateLimitErrors).toBe(0);

    // A third token of the same account, bound to Anna's calendar: the account's claim holds, not the token's.
    const ewa = await operatorWith("Ewa", type.id, "Anna – meetings", { refreshToken: third });
    await world.waitForState(ewa.bindingId, "error");
    expect(ok(await world.call("GET", `/api/actors/${ewa.bindingId}`)).lastError).toMatchObject({ code: "calendar_clash" });
  }, 90_000);
});

describe(`Google Workspace service account (${backend})`, () => {
  it("operators named by their Workspace e-mail sync through the service account, with no refresh token at all", async () => {
    world = await startGoogleWorld();
    await world.setClient({ pollIntervalSeconds: 3600 });
    const key = world.google.oauth.addServiceAccount({ name: "taskcal-sync" });
    world.google.addAccount("ewa@example.com");
    const bad = await world.call("PATCH", "/api/providers/google/settings", { serviceAccountKey: '{"type":"service_account","private_key":"nope"}' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("serviceAccountKey");
    expect(JSON.stringify(bad.body)).not.toContain("nope");
    const saved = ok(await world.call("PATCH", "/api/providers/google/settings", { serviceAccountKey: key }));
    expect(saved.serviceAccountKeySet).toBe(true);
    expect(JSON.stringify(saved)).not.toContain("PRIVATE KEY");
    const [entry] = ok(await world.call("GET", "/api/audit?limit=1")).items;
    expect(entry.change).toEqual({ serviceAccountKey: "***" });

    const type = ok(await world.call("POST", "/api/event-types", { name: "Visit", googleSync: true }));
    const ewa = await operatorWith("Ewa", type.id, "Visits", { workspaceEmail: "ewa@example.com" });
    await world.waitForState(ewa.bindingId, "incremental");
    const calendar = world.google.user.calendars("ewa@example.com").find((c) => c.summary === "Visits");
    expect(calendar).toBeDefined();
    ok(
      await world.call("POST", "/api/tasks", {
        eventTypeId: type.id,
        operatorId: ewa.operatorId,
        subject: "Delegated",
        start: soon(24),
        end: soon(25),
      }),
    );
    await expect
      .poll(() => world.google.user.events("ewa@example.com", calendar!.id).map((e) => e.summary))
      .toEqual([expect.stringContaining("Delegated")]);
    expect(await credential(`operator:${ewa.operatorId}`)).toMatchObject({ status: "ok", account: "ewa@example.com", authorizeUrl: null });

    // A refresh token and a Workspace e-mail at once would be ambiguous.
    const both = await world.call("PATCH", `/api/operators/${ewa.operatorId}`, { refreshToken: "1//pasted" });
    expect(both.status).toBe(400);
    expect(both.body.error.details[0].path).toBe("workspaceEmail");

    // The Workspace administrator withdraws the delegation: the actor says what to check, and no consent link would help.
    world.google.oauth.setDelegation(JSON.parse(key).client_email, false);
    world.google.expireAccessTokens();
    await world.call("POST", `/api/actors/${ewa.bindingId}/sync`);
    await world.waitForState(ewa.bindingId, "error");
    const { lastError } = ok(await world.call("GET", `/api/actors/${ewa.bindingId}`));
    expect(lastError.code).toBe("auth_revoked");
    expect(lastError.message).toContain("domain-wide delegation");
    expect(lastError.reauthorizeUrl).toBeUndefined();
    expect(await credential(`operator:${ewa.operatorId}`)).toMatchObject({ status: "revoked" });

    world.google.oauth.setDelegation(JSON.parse(key).client_email, true);
    ok(await world.call("POST", `/api/actors/${ewa.bindingId}/restart`));
    await world.waitForState(ewa.bindingId, "incremental");
  });

  it("a Workspace e-mail without a service account key is missing, and says where the key goes", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    const type = ok(await world.call("POST", "/api/event-types", { name: "Visit", googleSync: true }));
    const ewa = await operatorWith("Ewa", type.id, "Visits", { workspaceEmail: "ewa@example.com" });
    await world.waitForState(ewa.bindingId, "error");
    expect(await credential(`operator:${ewa.operatorId}`)).toMatchObject({
      status: "missing",
      lastError: { code: "missing_credentials", message: expect.stringContaining("serviceAccountKey"), at: null },
    });
  });
});

describe(`connection test against fake Google (${backend})`, () => {
  it("signs in, finds the bound calendars by name, creates nothing; a revoked token is the first failure", async () => {
    world = await startGoogleWorld();
    await world.setClient();
    const email = "tester@example.com";
    const token = world.google.addAccount(email);
    world.google.user.createCalendar(email, "Existing");
    const type = ok(await world.call("POST", "/api/event-types", { name: "Meeting", googleSync: true }));
    const other = ok(await world.call("POST", "/api/event-types", { name: "Call", googleSync: true }));
    // Disabled: the test runs whether or not actors do, and no actor creates the calendar meanwhile.
    const operator = ok(
      await world.call("POST", "/api/operators", { name: "Tess", googleEnabled: false, useConfigToken: false, refreshToken: token }),
    );
    const bindings = ok(
      await world.call("PUT", `/api/operators/${operator.id}/calendars`, [
        { eventTypeId: type.id, calendarName: "Existing" },
        { eventTypeId: other.id, calendarName: "Not yet" },
      ]),
    );
    const calendarsBefore = world.google.user.calendars(email).length;
    const writesBefore = world.google.writeCount();

    const result = ok(await world.call("POST", `/api/operators/${operator.id}/test`));
    expect(result.ok).toBe(true);
    expect(result.steps).toEqual([
      { step: "credentials", ok: true, message: expect.stringContaining("own Google Calendar account") },
      { step: "sign-in", ok: true, account: email, message: `signed in as ${email}` },
      ...["Existing", "Not yet"].map((calendarName) =>
        expect.objectContaining({
          step: "calendar",
          ok: true,
          calendarName,
          found: calendarName === "Existing",
          bindingId: bindings.find((b: { calendarName: string }) => b.calendarName === calendarName).bindingId,
        }),
      ),
    ]);
    expect(world.google.user.calendars(email).length).toBe(calendarsBefore);
    expect(world.google.writeCount()).toBe(writesBefore);
    expect(await credential(`operator:${operator.id}`)).toMatchObject({ status: "ok", account: email });

    world.google.revokeToken(token);
    world.google.expireAccessTokens();
    const failed = ok(await world.call("POST", `/api/operators/${operator.id}/test`));
    expect(failed.ok).toBe(false);
    expect(failed.steps.map((s: { step: string }) => s.step)).toEqual(["credentials", "sign-in"]);
    expect(failed.steps[1]).toMatchObject({ ok: false, message: expect.stringContaining("invalid_grant") });
    expect(JSON.stringify(failed)).not.toContain(token);
    expect(await credential(`operator:${operator.id}`)).toMatchObject({ status: "revoked" });

    const missing = ok(await world.call("POST", "/api/operators", { name: "Nobody", googleEnabled: true, useConfigToken: false }));
    const none = ok(await world.call("POST", `/api/operators/${missing.id}/test`));
    expect(none).toEqual({
      ok: false,
      steps: [{ step: "credentials", ok: false, message: expect.stringContaining("no Google account is connected") }],
    });
    expect((await world.call("POST", "/api/operators/00000000-0000-4000-8000-000000000000/test")).status).toBe(404);
  });
});
