// Connecting a Microsoft 365 mailbox in a browser: the same consent flow as
// Google's (authorization code with PKCE), through the API and the engine,
// against the fake Graph's sign-in and token endpoints.
import { afterEach, describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";
import { ok } from "../../testkit/json-client.js";
import { type MicrosoftWorld, startMicrosoftWorld } from "./microsoft-world.js";

let world: MicrosoftWorld;
afterEach(() => world?.close());

const APP = "http://localhost";
const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

async function credential(id: string) {
  return ok(await world.call("GET", "/api/credentials")).find((c: { id: string }) => c.id === id);
}

describe(`Microsoft 365 consent flow against the fake Graph (${backend})`, () => {
  it("the company mailbox is connected from a browser: start → Microsoft sign-in → callback → stored → the actor syncs", async () => {
    world = await startMicrosoftWorld();
    const { typeId, operatorId, bindingId } = await world.setUp({ withoutToken: true });
    expect(await credential("company:microsoft")).toMatchObject({ status: "missing", authorizeUrl: `${APP}/oauth/microsoft/start?target=company` });

    const browser = world.browser();
    expect((await browser.request("POST", `${APP}/session`, { json: { token: "microsoft-world-admin-token" } })).status).toBe(200);
    world.graph.signInAs(world.email);
    const page = await browser.open(`${APP}/oauth/microsoft/start?target=company`);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain("Connected");

    // What the start asked Microsoft for: the tenant's authorize endpoint, PKCE, a refresh token and the Graph scope.
    const consent = new URL(browser.visited[1]);
    expect(`${consent.origin}${consent.pathname}`).toBe(world.graph.authorizeUrl);
    const asked = Object.fromEntries(consent.searchParams);
    expect(asked).toMatchObject({ client_id: world.graph.clientId, redirect_uri: `${APP}/oauth/microsoft/callback`, code_challenge_method: "S256" });
    expect(asked.scope.split(" ")).toEqual(expect.arrayContaining(["offline_access", "https://graph.microsoft.com/Calendars.ReadWrite", "openid"]));

    await world.waitForState(bindingId, "incremental");
    const calendar = world.graph.user.calendars(world.email).find((c) => c.name === "Anna – meetings")!;
    ok(await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "After consent", start: soon(24), end: soon(25) }));
    await expect.poll(() => world.events(calendar.id).map((e) => e.subject)).toEqual([expect.stringContaining("After consent")]);
    // The account is the mailbox user's object id, as the ID token and Graph's /me name it (stable across address changes).
    expect(await credential("company:microsoft")).toMatchObject({ status: "ok", account: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it("refused consent shows Microsoft's answer and stores nothing", async () => {
    world = await startMicrosoftWorld();
    const { bindingId } = await world.setUp({ withoutToken: true });
    const browser = world.browser();
    expect((await browser.request("POST", `${APP}/session`, { json: { token: "microsoft-world-admin-token" } })).status).toBe(200);
    world.graph.refuseConsent();
    const page = await browser.open(`${APP}/oauth/microsoft/start?target=company`);
    expect(page.status).toBe(400);
    expect(page.text).toContain("Access was not granted");
    expect(page.text).toContain("AADSTS65004");
    expect(ok(await world.call("GET", "/api/providers/microsoft/settings")).defaultRefreshTokenSet).toBe(false);
    await world.waitForState(bindingId, "error");
  });
});
