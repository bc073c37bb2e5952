// The one mapping to HTTP, for failures the handlers' own checks cannot
// produce on demand (races on constraints, bugs).
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ApiError, errorHandler, fromDatabase } from "../../api/errors";
import { createLogger } from "../../logger";

describe("API errors", () => {
  it("a unique violation that slips past a check (a race) is 409 naming the field", () => {
    // Drizzle wraps the driver's error; postgres.js names the constraint constraint_name, PGlite constraint.
    const wrapped = new Error("Failed query", { cause: Object.assign(new Error("duplicate key"), { code: "23505", constraint_name: "event_types_name_key" }) });
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
