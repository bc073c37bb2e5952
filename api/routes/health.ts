// GET /health (no auth): ok once the database answers.
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { ErrorSchema, jsonResponse } from "../schemas/common.js";

export function healthRoutes(ping: () => Promise<void>) {
  return createRouter().openapi(
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
      try {
        await ping();
      } catch (error) {
        c.var.logger.warn({ err: error }, "health check: database unreachable");
        throw new ApiError("database_unavailable", "the database does not answer");
      }
      return c.json({ status: "ok" as const }, 200);
    },
  );
}
