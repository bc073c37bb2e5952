// Repeated failed sign-ins from one address are throttled; the API served
// over a real socket, so the address is the client's as the service sees it.
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignInThrottle } from "../../api/sign-in-throttle.js";
import { backend } from "../../testkit/database.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

interface Reply {
  status: number;
  retryAfter?: string;
  body: any;
}

describe(`sign-in throttle (${backend})`, () => {
  let api: ApiHarness;
  let server: ServerType;
  let port: number;
  let now = 1_000_000;
  beforeAll(async () => {
    api = await openApi({ signInThrottle: new SignInThrottle({ attempts: 10, windowMs: 60_000, now: () => now }) });
    server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise<void>((ready) => server.once("listening", ready));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((done) => server?.close(() => done()));
    await api?.close();
  });

  /** GET /api/settings from `localAddress` (all of 127.0.0.0/8 is loopback). */
  function get(authorization: string | undefined, localAddress = "127.0.0.1"): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const req = httpRequest({ host: "127.0.0.1", port, path: "/api/settings", localAddress, headers }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, retryAfter: res.headers["retry-after"], body: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("successful requests never count; 10 wrong tokens in a minute and the 11th attempt is 429 with Retry-After, even with the right token, until the window passes", async () => {
    for (let i = 0; i < 30; i++) expect((await get(`Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    // Requests without any credentials are not sign-in attempts.
    for (let i = 0; i < 15; i++) expect((await get(undefined)).status).toBe(401);
    for (let i = 0; i < 10; i++) {
      now += 1_000;
      expect((await get(`Bearer wrong-token-${i}`)).status).toBe(401);
    }
    now += 1_000;
    const throttled = await get("Bearer yet-another-guess");
    expect(throttled).toMatchObject({ status: 429, retryAfter: "50", body: { error: { code: "too_many_attempts", message: expect.any(String) } } });
    const rightToken = await get(`Bearer ${ADMIN_TOKEN}`);
    expect(rightToken.status).toBe(429);

    // Another address is not affected.
    expect((await get(`Bearer ${ADMIN_TOKEN}`, "127.0.0.2")).status).toBe(200);

    // The oldest failure leaves the window: one more attempt is allowed, and the right token gets in.
    now += 50_000;
    expect((await get(`Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
    now += 60_000;
    expect((await get(`Bearer ${ADMIN_TOKEN}`)).status).toBe(200);
  });
});
