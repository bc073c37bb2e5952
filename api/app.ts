// The HTTP API: createApp(deps) wires middleware, one router per resource and
// the OpenAPI document built from the very schemas that validate requests.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { bearerAuth } from "./auth";
import type { ApiDeps, AppEnv } from "./deps";
import { ApiError, errorHandler, respond, validationHook } from "./errors";
import { requestLog } from "./request-log";
import { actorRoutes } from "./routes/actors";
import { docsRoutes } from "./routes/docs";
import { eventTypeRoutes } from "./routes/event-types";
import { healthRoutes } from "./routes/health";
import { operatorCalendarRoutes } from "./routes/operator-calendars";
import { operatorRoutes } from "./routes/operators";
import { settingsRoutes } from "./routes/settings";
import { taskRoutes } from "./routes/tasks";
import { webhookRoutes } from "./routes/webhooks";

/** The largest valid task (description, 50 features), even in 4-byte characters, is well under this. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(errorHandler(deps.logger));
  app.notFound((c) => respond(c, new ApiError("not_found", `no route ${c.req.method} ${c.req.path}`)));

  app.use(async (c, next) => {
    c.set("db", deps.database.db);
    c.set("secrets", deps.secrets);
    c.set("logger", deps.logger);
    if (deps.engine) c.set("engine", deps.engine);
    await next();
  });
  app.use(requestLog);
  app.use("/api/*", bearerAuth(deps.adminToken));
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => respond(c, new ApiError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`)),
    }),
  );

  app.route("/", healthRoutes(deps.database.ping));
  app.route("/", docsRoutes);
  app.route("/api/settings", settingsRoutes);
  app.route("/api/event-types", eventTypeRoutes);
  app.route("/api/operators", operatorRoutes);
  app.route("/api/operators", operatorCalendarRoutes);
  app.route("/api/tasks", taskRoutes);
  app.route("/api/actors", actorRoutes);
  app.route("/webhooks", webhookRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN (generated into DATA_DIR/admin-token when unset)",
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["service"],
    summary: "This OpenAPI 3.1 document",
    security: [],
    responses: { 200: { description: "OpenAPI document", content: { "application/json": { schema: z.object({}).passthrough() } } } },
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "taskcal",
      version: "0.1.0",
      description: "Two-way sync between CRM tasks and operators' calendars. Errors: {\"error\": {\"code\", \"message\", \"details\"?}}.",
    },
  });
  return app;
}
