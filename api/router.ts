// Every resource is its own OpenAPIHono so app.ts can mount it with app.route()
// and the document still lists its routes; all share the one validation hook.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./deps.js";
import { validationHook } from "./errors.js";

export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
