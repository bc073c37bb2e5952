// The fake's Microsoft identity platform endpoints, as an OAuth client sees them
// ("Microsoft identity platform and OAuth 2.0 authorization code flow").
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { sessionWith, tokenRequest } from "./graph-client.js";

let graph: FakeGraph;
const redirectUri = "http://127.0.0.1:53682/oauth/microsoft/callback";

beforeAll(async () => {
  graph = await startFakeGraph();
});
afterAll(async () => {
  await graph.close();
});

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

async function authorize(params: Record<string, string>): Promise<{ status: number; location: URL | null; body?: any }> {
  const query = new URLSearchParams({
    client_id: graph.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: "openid email offline_access Calendars.ReadWrite",
    state: "st-123",
    ...params,
  });
  const res = await fetch(`${graph.authorizeUrl}?${query}`, { redirect: "manual" });
  const location = res.headers.get("location");
  return { status: res.status, location: location ? new URL(location) : null, body: location ? undefined : await res.json() };
}

function claims(jwt: string): any {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString("utf8"));
}

describe("authorization code flow with PKCE", () => {
  it("consents at once, redirects with code and state, and redeems the code once, with the right verifier only", async () => {
    graph.addAccount("olga@contoso.example", { displayName: "Olga Nowak" });
    graph.signInAs("olga@contoso.example");
    const { verifier, challenge } = pkce();
    const consent = await authorize({ code_challenge: challenge, code_challenge_method: "S256" });
    expect(consent.status).toBe(302);
    expect(`${consent.location!.origin}${consent.location!.pathname}`).toBe(redirectUri);
    expect(consent.location!.searchParams.get("state")).toBe("st-123");
    const code = consent.location!.searchParams.get("code")!;
    expect(code).toBeTruthy();

    const redeem = (codeVerifier: string) =>
      tokenRequest(graph, { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    const wrong = await redeem(pkce().verifier);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: "invalid_grant", error_codes: [501481] });
    expect(wrong.body.error_description).toMatch(/^AADSTS501481: /);

    const tokens = await redeem(verifier);
    expect(tokens.status).toBe(200);
    expect(tokens.body).toMatchObject({ token_type: "Bearer", expires_in: 3599, scope: "openid email Calendars.ReadWrite" });
    expect(tokens.body.refresh_token).toBeTruthy();
    const id = claims(tokens.body.id_token);
    expect(id).toMatchObject({ aud: graph.clientId, preferred_username: "olga@contoso.example", email: "olga@contoso.example", name: "Olga Nowak" });
    expect(id.iss).toBe(`${graph.authorityUrl}${graph.tenantId}/v2.0`);
    expect(id.oid).toMatch(/^[0-9a-f-]{36}$/);

    const me = await sessionWith(graph, "olga@contoso.example", tokens.body.refresh_token, tokens.body.access_token).call("GET", "me");
    expect(me.body).toMatchObject({ id: id.oid, mail: "olga@contoso.example" });

    const again = await redeem(verifier);
    expect(again.body).toMatchObject({ error: "invalid_grant", error_codes: [54005] });
  });

  it("refuses a redirect_uri other than the authorization request's", async () => {
    const { verifier, challenge } = pkce();
    const code = (await authorize({ code_challenge: challenge, code_challenge_method: "S256" })).location!.searchParams.get("code")!;
    const answer = await tokenRequest(graph, {
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://127.0.0.1:1/other",
      code_verifier: verifier,
    });
    expect(answer.body.error).toBe("invalid_grant");
  });

  it("redirects a refused consent with access_denied and the state", async () => {
    graph.refuseConsent();
    const answer = await authorize({});
    expect(answer.status).toBe(302);
    expect(answer.location!.searchParams.get("error")).toBe("access_denied");
    expect(answer.location!.searchParams.get("error_description")).toMatch(/^AADSTS65004: /);
    expect(answer.location!.searchParams.get("state")).toBe("st-123");
    expect(answer.location!.searchParams.has("code")).toBe(false);
  });

  it("never redirects for an unknown client or an unregistered redirect URI", async () => {
    const unknown = await authorize({ client_id: "00000000-0000-0000-0000-000000000000" });
    expect(unknown).toMatchObject({ status: 400, location: null, body: { error: "unauthorized_client" } });
    expect(unknown.body.error_description).toMatch(/^AADSTS700016: /);
    const elsewhere = await authorize({ redirect_uri: "https://attacker.example/callback" });
    expect(elsewhere).toMatchObject({ status: 400, location: null });
    expect(elsewhere.body.error_description).toMatch(/^AADSTS50011: /);
  });

  it("signs in the login_hint's mailbox", async () => {
    graph.addAccount("piotr@contoso.example");
    const { verifier, challenge } = pkce();
    const code = (
      await authorize({ code_challenge: challenge, code_challenge_method: "S256", login_hint: "piotr@contoso.example" })
    ).location!.searchParams.get("code")!;
    const tokens = await tokenRequest(graph, { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(claims(tokens.body.id_token).preferred_username).toBe("piotr@contoso.example");
  });
});

describe("token endpoint", () => {
  it("answers every refresh with a new refresh token, the old one staying valid as the docs say", async () => {
    const first = graph.addAccount("rota@contoso.example");
    const refreshed = await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: first });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeTruthy();
    expect(refreshed.body.refresh_token).not.toBe(first);
    expect((await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: refreshed.body.refresh_token })).status).toBe(200);
    expect((await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: first })).status).toBe(200);
  });

  it("revokes a used refresh token when told to, as some tenants' policies do", async () => {
    const strict = await startFakeGraph({ revokeRotatedRefreshTokens: true });
    try {
      const first = strict.addAccount("strict@contoso.example");
      expect((await tokenRequest(strict, { grant_type: "refresh_token", refresh_token: first })).status).toBe(200);
      expect((await tokenRequest(strict, { grant_type: "refresh_token", refresh_token: first })).body.error).toBe("invalid_grant");
    } finally {
      await strict.close();
    }
  });

  it("answers invalid_grant for revoked, inactive and unknown refresh tokens", async () => {
    const revoked = graph.addAccount("revoked@contoso.example");
    graph.revokeToken(revoked);
    expect((await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: revoked })).body).toMatchObject({
      error: "invalid_grant",
      error_codes: [50173],
    });
    const idle = graph.addAccount("idle@contoso.example");
    graph.expireRefreshToken(idle);
    expect((await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: idle })).body).toMatchObject({
      error: "invalid_grant",
      error_codes: [700082],
    });
    expect((await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: "M.C-nonsense" })).body).toMatchObject({
      error: "invalid_grant",
      error_codes: [70000],
    });
  });

  it("checks the client secret: 401 invalid_client", async () => {
    const token = graph.addAccount("secret@contoso.example");
    const answer = await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: token, client_secret: "wrong" });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: "invalid_client", error_codes: [7000215] });
  });

  it("gives a refresh token only for offline_access and an id_token only for openid", async () => {
    const token = graph.addAccount("narrow@contoso.example", { scopes: ["offline_access", "Calendars.Read"] });
    const answer = await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: token });
    expect(answer.body.id_token).toBeUndefined();
    expect(answer.body.refresh_token).toBeTruthy();
  });

  it("answers unsupported_grant_type for other grants", async () => {
    expect((await tokenRequest(graph, { grant_type: "password", username: "a", password: "b" })).body.error).toBe("unsupported_grant_type");
  });
});

describe("access tokens on Graph calls", () => {
  it("401 InvalidAuthenticationToken when missing or expired; 403 ErrorAccessDenied without calendar permission", async () => {
    const refreshToken = graph.addAccount("access@contoso.example");
    const tokens = await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: refreshToken });
    const session = sessionWith(graph, "access@contoso.example", refreshToken, tokens.body.access_token);
    expect((await session.call("GET", "me/calendars")).status).toBe(200);
    const anonymous = await fetch(`${graph.graphUrl}me/calendars`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "InvalidAuthenticationToken", innerError: { "request-id": expect.any(String) } } });
    graph.expireAccessTokens();
    expect((await session.call("GET", "me/calendars")).body.error.code).toBe("InvalidAuthenticationToken");

    const readOnly = graph.addAccount("reader@contoso.example", { scopes: ["offline_access", "Calendars.Read"] });
    const readerToken = (await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: readOnly })).body.access_token;
    const reader = sessionWith(graph, "reader@contoso.example", readOnly, readerToken);
    expect((await reader.call("GET", "me/calendars")).status).toBe(200);
    const write = await reader.call("POST", "me/calendars", { body: { name: "CRM" } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("ErrorAccessDenied");
  });
});
