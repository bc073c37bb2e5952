// GET /health (no auth): liveness, ok once the database answers; cheap enough
// for a probe every few seconds. GET /health/ready (no auth): whether this
// process should get traffic: the database answers, every migration of this
// build is applied, and the engine has started its actors (503 with the
// reasons otherwise). A service that runs but needs an administrator (a wrong
// SECRET_KEY) is ready and says it is degraded, so the console and API stay
// reachable for the fix.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Db } from "../../db/database.js";
import { pendingMigrations } from "../../db/migrations-state.js";
import type { AppEnv } from "../deps.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { ErrorSchema, jsonResponse } from "../schemas/common.js";

/** What readiness asks of the process beyond the database. */
export interface Readiness {
  /** Whether the engine has started its actors; absent when this process runs no engine. */
  engineStarted?(): boolean;
  /** What works but needs an administrator. */
  degraded?(): { code: string; message: string }[];
}

const Check = z.enum(["ok", "not running in this process"]);

const ReadySchema = z
  .object({
    status: z.enum(["ready", "degraded"]),
    checks: z.object({ database: Check, migrations: Check, engine: Check }),
    degraded: z
      .array(z.object({ code: z.string().openapi({ example: "secrets_unreadable" }), message: z.string() }))
      .openapi({ description: "What works but needs an administrator; empty when ready" }),
  })
  .openapi("Readiness");

async function databaseAnswers(c: Context<AppEnv>, ping: () => Promise<void>): Promise<boolean> {
  try {
    await ping();
    return true;
  } catch (error) {
    c.var.logger.warn({ err: error }, "health check: database unreachable");
    return false;
  }
}

export function healthRoutes(ping: () => Promise<void>, readiness: Readiness = {}) {
  // Applied migrations cannot be unapplied: once all are there, they need no more asking.
  let migrated = false;
  const migrationsApplied = async (db: Db): Promise<string[]> => {
    if (migrated) return [];
    const pending = await pendingMigrations(db);
    migrated = pending.length === 0;
    return pending;
  };

  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/health",
        tags: ["service"],
        summary: "Liveness and database reachability",
        security: [],
        responses: {
          200: jsonResponse(z.object({ status: z.literal("ok") }), "The service and its database are up"),
          503: jsonResponse(ErrorSchema, "The database does not answer"),
        },
      }),
      async (c) => {
        if (!(await databaseAnswers(c, ping))) throw new ApiError("database_unavailable", "the database does not answer");
        return c.json({ status: "ok" as const }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/health/ready",
        tags: ["service"],
        summary: "Readiness: database, migrations and engine up",
        description:
          "200 once the database answers, every migration is applied and the engine has started its actors; `degraded` lists what works but needs an administrator (a wrong SECRET_KEY). 503 `not_ready` with the reasons in `details` before.",
        security: [],
        responses: {
          200: jsonResponse(ReadySchema, "Ready (perhaps degraded)"),
          503: jsonResponse(ErrorSchema, "Not ready: `details` lists the failing checks"),
        },
      }),
      async (c) => {
        const failing: { check: string; message: string }[] = [];
        const database = await databaseAnswers(c, ping);
        if (!database) failing.push({ check: "database", message: "the database does not answer" });
        const pending = database ? await migrationsApplied(c.var.db).catch(() => null) : null;
        if (database && pending === null) failing.push({ check: "migrations", message: "the applied migrations could not be read" });
        if (pending?.length) failing.push({ check: "migrations", message: `migrations not applied: ${pending.join(", ")}` });
        const engine = readiness.engineStarted ? readiness.engineStarted() : null;
        if (engine === false) failing.push({ check: "engine", message: "the engine is starting its actors" });
        if (failing.length > 0) {
          throw new ApiError("not_ready", failing.map((f) => f.message).join("; "), failing);
        }
        const degraded = readiness.degraded?.() ?? [];
        return c.json(
          {
            status: degraded.length ? ("degraded" as const) : ("ready" as const),
            checks: {
              database: "ok" as const,
              migrations: "ok" as const,
              engine: engine === null ? ("not running in this process" as const) : ("ok" as const),
            },
            degraded,
          },
          200,
        );
      },
    );
}
