// The one mapping to HTTP, for failures the handlers' own checks cannot
// produce on demand (races on constraints, bugs).
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, errorHandler, fromDatabase } from "../../api/errors.js";
import { summarizeDatabaseError } from "../../db/errors.js";
import { eventTypes } from "../../db/schema.js";
import { createLogger } from "../../logger.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

describe("API errors", () => {
  it("a unique violation that slips past a check (a race) is 409 naming the field", () => {
    // Drizzle wraps the driver's error; postgres.js names the constraint constraint_name, PGlite constraint.
    const wrapped = new Error("Failed query", {
      cause: Object.assign(new Error("duplicate key"), { code: "23505", constraint_name: "event_types_name_key" }),
    });
    const mapped = fromDatabase(wrapped)!;
    expect(mapped.status).toBe(409);
    expect(mapped.details).toEqual([{ path: "name", message: "already taken" }]);
    expect(fromDatabase(Object.assign(new Error("fk"), { code: "23503", constraint: "tasks_operator_id_operators_id_fk" }))!.status).toBe(409);
    expect(fromDatabase(new Error("not a database error"))).toBeUndefined();
  });

  it("anything else is a 500 in the error shape that leaks nothing, and is logged", async () => {
    const lines: string[] = [];
    const app = new Hono();
    app.onError(errorHandler(createLogger("info", { write: (line: string) => void lines.push(line) })));
    app.get("/boom", () => {
      throw new Error("connection string postgres://user:pw@host/db");
    });
    app.get("/typed", () => {
      throw new ApiError("conflict", "clash");
    });
    const boom = await app.request("/boom");
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(lines.join("")).toContain("unhandled error");
    const typed = await app.request("/typed");
    expect(typed.status).toBe(409);
    expect(await typed.json()).toEqual({ error: { code: "conflict", message: "clash" } });
  });
});

describe(`database errors in answers and logs (${backend})`, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  const secretParam = "GOCSPX-not-for-the-log";

  it("an unexpected database error is logged as SQLSTATE and message, never its query or parameters, and answered as a bare 500", async () => {
    const lines: string[] = [];
    const app = new Hono();
    app.onError(errorHandler(createLogger("info", { write: (line: string) => void lines.push(line) })));
    app.get("/divide", async () => {
      await database.db.execute(sql`select ${secretParam}::text as secret, 1 / ${0}::int as boom`);
      return new Response("unreachable");
    });
    const answer = await app.request("/divide");
    expect(answer.status).toBe(500);
    const text = await answer.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: "internal error" } });
    const [entry] = lines.map((line) => JSON.parse(line));
    expect(entry).toMatchObject({ msg: "unhandled error", database: { code: "22012", message: "division by zero" }, path: "/divide" });
    for (const leak of [secretParam, "select", "params"]) expect(lines.join("") + text, leak).not.toContain(leak);
  });

  it("a summary names the constraint and cuts parameter values out of the driver's message", async () => {
    await database.db.insert(eventTypes).values({ name: "Taken" });
    const duplicate = await database.db
      .insert(eventTypes)
      .values({ name: "Taken" })
      .catch((error: unknown) => error);
    expect(summarizeDatabaseError(duplicate)).toEqual({
      code: "23505",
      constraint: "event_types_name_key",
      message: 'duplicate key value violates unique constraint "event_types_name_key"',
    });
    const quoted = await database.db.execute(sql`select ${`${secretParam}-2026-99-99`}::timestamptz`).catch((error: unknown) => error);
    expect(summarizeDatabaseError(quoted)).toEqual({ code: expect.stringMatching(/^22/), message: expect.stringContaining("[parameter]") });
    expect(JSON.stringify(summarizeDatabaseError(quoted))).not.toContain(secretParam);
    expect(summarizeDatabaseError(new Error("not from the database"))).toBeUndefined();
  });
});
