// R2: what the service's logger writes never carries a secret, whatever shape
// the logged object has. Lines are captured from a pino destination.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { backend, openTestDatabase, type TestDatabase } from "../testkit/database.js";

function capture() {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line)) };
}

const secrets = Array.from({ length: 14 }, (_, i) => `secret-value-${i}-${"x".repeat(8)}`);

describe("logger: secrets censored by name", () => {
  it("at any depth and in any letter case, in arrays, in errors' own fields, in child bindings", () => {
    const { logger, lines, entries } = capture();
    const gaxiosLike = Object.assign(new Error("Request failed with status code 401"), {
      config: { url: "https://oauth2.googleapis.com/token", headers: { Authorization: `Bearer ${secrets[0]}` }, data: { client_secret: secrets[1] } },
      response: { status: 401 },
    });
    const deep = { a: { b: { c: { d: { e: { f: { g: { apiKey: secrets[2] } } } } } } } };
    logger.child({ channel: { "x-goog-channel-token": secrets[3] } }).warn(
      {
        err: gaxiosLike,
        Authorization: `Basic ${secrets[4]}`,
        refresh_token: secrets[5],
        REFRESHTOKEN: secrets[6],
        settings: { clientSecret: secrets[7], googleClientId: "client-id.apps.googleusercontent.com" },
        accounts: [{ name: "Anna", caldav: [{ Password: secrets[8], passwordSet: true }] }],
        deep,
        headers: { cookie: `session=${secrets[9]}`, "Set-Cookie": [secrets[10]], "X-Api-Key": secrets[11], accept: "application/json" },
        SECRET_KEY: secrets[12],
        status: 401,
      },
      "token refresh failed",
    );
    logger.info({ request: { body: { access_token: secrets[13], expires_in: 3599 } } }, "answered");
    const text = lines.join("");
    for (const secret of secrets) expect(text).not.toContain(secret);
    const [line, answered] = entries();
    expect(line).toMatchObject({
      msg: "token refresh failed",
      status: 401,
      err: {
        type: "Error",
        message: "Request failed with status code 401",
        config: { headers: { Authorization: "[redacted]" } },
        response: { status: 401 },
      },
      settings: { clientSecret: "[redacted]", googleClientId: "client-id.apps.googleusercontent.com" },
      accounts: [{ name: "Anna", caldav: [{ Password: "[redacted]", passwordSet: true }] }],
      headers: { cookie: "[redacted]", "Set-Cookie": "[redacted]", accept: "application/json" },
      channel: { "x-goog-channel-token": "[redacted]" },
    });
    expect(line.deep.a.b.c.d.e.f.g).toEqual({ apiKey: "[redacted]" });
    expect(answered.request.body).toEqual({ access_token: "[redacted]", expires_in: 3599 });
  });

  it("never changes the caller's object, copes with cycles, and leaves plain lines as they are", () => {
    const { logger, entries } = capture();
    const account: Record<string, unknown> = { name: "Anna", token: secrets[0], nested: { password: secrets[1] } };
    account.self = account;
    const frozen = Object.freeze({ inner: Object.freeze({ refreshToken: secrets[2] }) });
    logger.info({ account, frozen }, "cyclic");
    expect(account.token).toBe(secrets[0]);
    expect((account.nested as { password: string }).password).toBe(secrets[1]);
    expect(account.self).toBe(account);
    logger.info({ method: "GET", path: "/api/tasks", status: 200, ms: 3, at: new Date("2026-12-01T09:00:00Z") }, "request");
    const [cyclic, plain] = entries();
    expect(cyclic.account).toEqual({ name: "Anna", token: "[redacted]", nested: { password: "[redacted]" }, self: "[Circular]" });
    expect(cyclic.frozen.inner.refreshToken).toBe("[redacted]");
    expect(plain).toMatchObject({ method: "GET", path: "/api/tasks", status: 200, ms: 3, at: "2026-12-01T09:00:00.000Z" });
  });
});

describe(`logger: database errors (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it("a database error, logged bare or as err or wrapped, shows its SQLSTATE and message, never its query or parameters", async () => {
    const failed = await database.db.execute(sql`select ${secrets[0]}::text, 1 / ${0}::int`).catch((error: Error) => error);
    const { logger, lines, entries } = capture();
    logger.error(failed);
    logger.error({ err: failed });
    logger.warn({ err: new Error("reconciling actors failed", { cause: failed }) }, "reconciling actors failed");
    for (const leak of [secrets[0], "select", "params"]) expect(lines.join(""), leak).not.toContain(leak);
    const [bare, asErr, wrapped] = entries();
    expect(bare).toMatchObject({ msg: "division by zero", err: { database: { code: "22012", message: "division by zero" } } });
    expect(asErr).toMatchObject({ msg: "division by zero", err: { database: { code: "22012" } } });
    expect(wrapped).toMatchObject({ msg: "reconciling actors failed", err: { type: "Error", database: { code: "22012" } } });
  });
});
