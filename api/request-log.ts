// One log line per request: method, path, status and time. Never headers or
// bodies, which carry the admin token and secrets (R2).
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./deps.js";

const QUIET = new Set(["/health", "/health/ready", "/metrics"]);

export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  // Probes and scrapes come every few seconds; keep them out of the info log.
  const level = QUIET.has(c.req.path) ? "debug" : "info";
  c.var.logger[level]({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, "request");
});
