// The HTTP API: createApp(deps) wires middleware, one router per resource and
// the OpenAPI document built from the very schemas that validate requests.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { Authenticator, apiAuth } from "./auth.js";
import { consoleRoutes } from "./console/console-routes.js";
import type { ApiDeps, AppEnv } from "./deps.js";
import { ApiError, errorHandler, respond, validationHook } from "./errors.js";
import { requestLog } from "./request-log.js";
import { actorRoutes } from "./routes/actors.js";
import { auditRoutes } from "./routes/audit.js";
import { credentialRoutes, operatorTestRoutes } from "./routes/credentials.js";
import { docsRoutes } from "./routes/docs.js";
import { eventTypeRoutes } from "./routes/event-types.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { oauthRoutes } from "./routes/oauth.js";
import { operatorCalendarRoutes } from "./routes/operator-calendars.js";
import { operatorRoutes } from "./routes/operators.js";
import { providerRoutes } from "./routes/providers.js";
import { sessionRoutes } from "./routes/session.js";
import { settingsRoutes } from "./routes/settings.js";
import { taskRoutes } from "./routes/tasks.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { errorResponse } from "./schemas/common.js";
import { accountComponent } from "./schemas/operators.js";
import { SESSION_COOKIE } from "./session-tokens.js";
import { SignInThrottle } from "./sign-in-throttle.js";

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
    c.set("providers", deps.providers);
    if (deps.baseUrl) c.set("baseUrl", deps.baseUrl);
    await next();
  });
  app.use(requestLog);
  const throttle = deps.signInThrottle ?? new SignInThrottle();
  const authenticator = new Authenticator({ admin: deps.adminToken, readonly: deps.readonlyToken }, throttle);
  app.use("/api/*", apiAuth(authenticator));
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => respond(c, new ApiError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`)),
  });
  app.use("/api/*", limit);
  app.use("/session", limit);

  // A provider's notice batch is a few kB: anything near this is not one.
  app.use("/webhooks/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.body(null, 413) }));

  app.route("/", healthRoutes(deps.database.ping, deps.readiness));
  if (deps.metrics) app.route("/", metricsRoutes(deps.metrics, deps.metricsToken, throttle));
  app.route("/", docsRoutes);
  app.route("/api/settings", settingsRoutes(deps.providers));
  app.route("/api/providers", providerRoutes(deps.providers));
  app.route("/api/event-types", eventTypeRoutes);
  app.route("/api/operators", operatorRoutes(deps.providers));
  app.route("/api/operators", operatorCalendarRoutes);
  app.route("/api/operators", operatorTestRoutes);
  app.route("/api/credentials", credentialRoutes);
  app.route("/api/tasks", taskRoutes);
  app.route("/api/actors", actorRoutes);
  app.route("/api/audit", auditRoutes);
  app.route("/webhooks", webhookRoutes);
  app.route("/session", sessionRoutes(authenticator));
  app.route("/oauth", oauthRoutes(authenticator));
  // The admin console; it reads through the routes above, in process.
  app.route(
    "/",
    consoleRoutes((url, init) => app.request(url, init)),
  );

  // Any write under /api can meet the read-only token: declared here, so routes added later are covered too.
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route" || !definition.route.path.startsWith("/api/") || definition.route.method === "get") continue;
    definition.route.responses = { ...definition.route.responses, 403: errorResponse(403) };
  }
  // Each provider's account schema, which the operator routes' `account` refers to by name.
  // As JSON Schema rather than through `.openapi()`: a provider module may hold another zod instance than this app's.
  for (const provider of deps.providers.list()) {
    const schema = z.toJSONSchema(provider.account, { io: "input", unrepresentable: "any" });
    delete schema.$schema;
    app.openAPIRegistry.registerComponent("schemas", accountComponent(provider.definition.id), schema as never);
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN (generated into DATA_DIR/admin-token when unset), or READONLY_TOKEN for GETs only",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: "The session POST /session starts; a change (non-GET) also sends the session's csrfToken as X-CSRF-Token",
  });
  if (deps.metricsToken !== undefined) {
    app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
      type: "http",
      scheme: "bearer",
      description: "METRICS_TOKEN, for GET /metrics only",
    });
  }
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["service"],
    summary: "This OpenAPI 3.1 document",
    security: [],
    responses: { 200: { description: "OpenAPI document", content: { "application/json": { schema: z.object({}).passthrough() } } } },
  });
  // The document cannot change once the app is built: made on the first request, then served as it is.
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined;
  app.get("/openapi.json", (c) =>
    c.json(
      (document ??= app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "taskcal",
          version: "0.1.0",
          description: 'Two-way sync between CRM tasks and operators\' calendars. Errors: {"error": {"code", "message", "details"?}}.',
        },
      })),
    ),
  );
  return app;
}
