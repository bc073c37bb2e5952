import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGoogle, startFakeGoogle } from "../../testkit/fake-google/server.js";

// The fake's batch endpoint against batches written as Google's guide writes
// them (https://developers.google.com/calendar/api/guides/batch), not as the
// adapter builds them: the adapter's tests then rest on Google's format.

let google: FakeGoogle;
let token: string;
let email: string;

beforeAll(async () => {
  google = await startFakeGoogle();
  email = "batch@example.com";
  const refreshToken = google.addAccount(email);
  const answer = await fetch(google.tokenUrl, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: google.clientId,
      client_secret: google.clientSecret,
    }),
  });
  token = ((await answer.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await google.close();
});

function batch(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${google.rootUrl}batch/calendar/v3`, {
    method: "POST",
    headers: { "Content-Type": "multipart/mixed; boundary=batch_foobarbaz", ...headers },
    body: body.replace(/\n/g, "\r\n"),
  });
}

describe("fake Google: POST batch/calendar/v3", () => {
  it("answers each part in order, named response-<Content-ID>; the outer Authorization holds for parts without their own", async () => {
    const answer = await batch(
      `--batch_foobarbaz
Content-Type: application/http
Content-ID: <item1:12930812@example.com>

GET /calendar/v3/calendars/${encodeURIComponent(email)}

--batch_foobarbaz
Content-Type: application/http
Content-ID: <item2:12930812@example.com>

GET /calendar/v3/calendars/${encodeURIComponent(email)}/events/nosuchevent
Authorization: Bearer ${token}

--batch_foobarbaz
Content-Type: application/http
Content-ID: <item3:12930812@example.com>

GET /calendar/v3/users/me/calendarList
Authorization: Bearer not-a-token

--batch_foobarbaz--
`,
      { Authorization: `Bearer ${token}` },
    );
    expect(answer.status).toBe(200);
    const boundary = /boundary=(\S+)/.exec(answer.headers.get("content-type") ?? "")?.[1];
    expect(answer.headers.get("content-type")).toMatch(/^multipart\/mixed; boundary=/);
    const parts = (await answer.text()).split(`--${boundary}`).slice(1, -1);
    expect(parts.map((p) => /Content-ID: <(.+)>/.exec(p)?.[1])).toEqual([
      "response-item1:12930812@example.com",
      "response-item2:12930812@example.com",
      "response-item3:12930812@example.com",
    ]);
    expect(parts.map((p) => /HTTP\/1\.1 (\d{3})/.exec(p)?.[1])).toEqual(["200", "404", "401"]);
    expect(parts[0]).toContain(`"id":"${email}"`);
    expect(parts[2]).toContain('"reason":"authError"');
    // Each authenticated inner call is a call of its own, as Google counts them.
    const logged = google.callLog.filter((c) => c.batch !== undefined);
    expect(logged.map((c) => [c.path, c.status])).toEqual([
      [`calendar/v3/calendars/${encodeURIComponent(email)}`, 200],
      [`calendar/v3/calendars/${encodeURIComponent(email)}/events/nosuchevent`, 404],
    ]);
  });

  it("refuses what is not a batch: another content type, or a part that names a host", async () => {
    const notMultipart = await fetch(`${google.rootUrl}batch/calendar/v3`, { method: "POST", body: "{}" });
    expect(notMultipart.status).toBe(400);
    const fullUrl = await batch(
      `--batch_foobarbaz
Content-Type: application/http

GET https://www.googleapis.com/calendar/v3/users/me/calendarList

--batch_foobarbaz--
`,
      { Authorization: `Bearer ${token}` },
    );
    expect(fullUrl.status).toBe(400);
  });
});
