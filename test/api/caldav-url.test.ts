// Which CalDAV server addresses an operator may be given (https only unless
// allowed, no credentials in the URL, the egress allow-list), and what a
// change of server does to the saved password.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operators } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";
import { type ApiHarness, openApi } from "./api-harness.js";

const davOperator = (url: string, password?: string) => ({
  name: "Dav",
  googleEnabled: true,
  useConfigToken: false,
  provider: "caldav",
  caldav: { url, username: "dav", ...(password === undefined ? {} : { password }) },
});

async function operatorCount(api: ApiHarness) {
  return (await api.database.db.select({ id: operators.id }).from(operators)).length;
}

/** A 400 naming caldav.url, with `reason` in its message, and nothing written. */
async function refusedUrl(api: ApiHarness, method: string, path: string, body: unknown, reason: RegExp) {
  const before = await operatorCount(api);
  const answer = await api.call(method, path, body);
  expect(answer.status, answer.text).toBe(400);
  expect(answer.body.error.code).toBe("invalid_input");
  expect(answer.body.error.details.map((d: { path: string }) => d.path)).toEqual(["caldav.url"]);
  expect(answer.body.error.message).toMatch(reason);
  expect(await operatorCount(api)).toBe(before);
}

describe(`CalDAV server addresses (${backend})`, () => {
  describe("by default: https only, any host", () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await openApi();
    });
    afterAll(() => api?.close());

    it("an http address is refused with 400 naming caldav.url, on create and on change", async () => {
      await refusedUrl(api, "POST", "/api/operators", davOperator("http://dav.example.com/", "pw"), /https.*CALDAV_ALLOW_HTTP/);
      const dav = await api.create("/api/operators", davOperator("https://dav.example.com/", "pw"));
      await refusedUrl(api, "PATCH", `/api/operators/${dav.id}`, { caldav: { url: "http://dav.example.com/" } }, /https/);
      expect((await api.call("GET", `/api/operators/${dav.id}`)).body.caldav.url).toBe("https://dav.example.com/");
    });

    it("an address carrying a user name or password is refused, so it is never stored nor listed", async () => {
      await refusedUrl(api, "POST", "/api/operators", davOperator("https://dav:hunter22@dav.example.com/"), /user name or password/);
      const dav = await api.create("/api/operators", davOperator("https://dav.example.com/", "pw"));
      await refusedUrl(api, "PATCH", `/api/operators/${dav.id}`, { caldav: { url: "https://dav:hunter22@dav.example.com/" } }, /password/);
      expect((await api.call("GET", "/api/operators")).text).not.toContain("hunter22");
    });

    it("a new origin clears the saved password unless a new one comes with it; the same origin keeps it", async () => {
      const dav = await api.create("/api/operators", davOperator("https://dav.example.com/dav/", "first-password"));
      expect(dav.caldav.passwordSet).toBe(true);
      const samePlace = await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: { url: "https://dav.example.com/remote.php/dav/" } });
      expect(samePlace.body.caldav).toEqual({ url: "https://dav.example.com/remote.php/dav/", username: "dav", passwordSet: true });

      for (const url of ["https://collector.example.net/", "https://collector.example.net:8443/", "https://dav.example.com:8443/"]) {
        const restored = await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: { url: "https://dav.example.com/", password: "pw" } });
        expect(restored.body.caldav.passwordSet).toBe(true);
        const moved = await api.call("PATCH", `/api/operators/${dav.id}`, { caldav: { url } });
        expect(moved.status).toBe(200);
        expect(moved.body.caldav, url).toEqual({ url, username: "dav", passwordSet: false });
        const [row] = await api.database.db.select().from(operators).where(eq(operators.id, dav.id));
        expect(row.accountSecrets, url).toEqual({});
      }

      const withPassword = await api.call("PATCH", `/api/operators/${dav.id}`, {
        caldav: { url: "https://dav.example.org/", password: "second-password" },
      });
      expect(withPassword.body.caldav).toEqual({ url: "https://dav.example.org/", username: "dav", passwordSet: true });
      const [row] = await api.database.db.select().from(operators).where(eq(operators.id, dav.id));
      expect(api.secrets.open(row.accountSecrets.password, `operator:${dav.id}:password`)).toBe("second-password");
    });
  });

  describe("with CALDAV_ALLOW_HTTP and CALDAV_ALLOWED_HOSTS", () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await openApi({ providers: builtInRegistry({ caldav: { allowHttp: true, allowedHosts: ["dav.example.com", "*.fastmail.com"] } }) });
    });
    afterAll(() => api?.close());

    it("http is accepted; a host outside the allow-list is refused with 400 naming caldav.url", async () => {
      expect((await api.call("POST", "/api/operators", davOperator("http://dav.example.com:5232/", "pw"))).status).toBe(201);
      expect((await api.call("POST", "/api/operators", davOperator("https://caldav.fastmail.com/dav/", "pw"))).status).toBe(201);
      await refusedUrl(
        api,
        "POST",
        "/api/operators",
        davOperator("https://evil.example.net/", "pw"),
        /evil\.example\.net is not in CALDAV_ALLOWED_HOSTS/,
      );
      await refusedUrl(api, "POST", "/api/operators", davOperator("https://fastmail.com/", "pw"), /CALDAV_ALLOWED_HOSTS/);
    });
  });
});
