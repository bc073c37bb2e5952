// Where browsers reach this service, for redirect URIs, links and cookies.
import type { Context } from "hono";
import type { AppEnv } from "./deps.js";

/** The configured base (without a trailing slash), else the request's own origin. */
export function baseUrlOf(c: Context<AppEnv>): string {
  return (c.var.baseUrl?.() ?? new URL(c.req.url).origin).replace(/\/+$/, "");
}

/** Cookies go over https only when browsers reach us over https. */
export function secureCookies(c: Context<AppEnv>): boolean {
  return baseUrlOf(c).startsWith("https:") || new URL(c.req.url).protocol === "https:";
}
