// POST/GET/DELETE /session: signing a browser in with the admin token (or the
// read-only one), for the console and the consent flow, which cannot send a
// bearer header. The session lives in the database, so every replica knows it.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { deleteSession, insertSession, liveSession } from "../../db/queries/sessions.js";
import type { Authenticator } from "../auth.js";
import { secureCookies } from "../base-url.js";
import type { AppEnv, TokenKind } from "../deps.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { errorResponse, jsonBody, jsonResponse } from "../schemas/common.js";
import { CSRF_HEADER, csrfTokenOf, newSessionToken, SESSION_COOKIE, SESSION_TTL_MS, sessionHash } from "../session-tokens.js";

const Session = z
  .object({
    kind: z.enum(["admin", "readonly"]).openapi({ description: "What the session may do: admin, or readonly (GETs under /api only)" }),
    csrfToken: z.string().openapi({ description: `Send it as ${CSRF_HEADER} with every change (non-GET /api call) the session makes` }),
    expiresAt: z.string().openapi({ description: "When the session ends, 12 hours after signing in" }),
  })
  .openapi("Session");

const SignIn = z
  .strictObject({ token: z.string().min(1).max(1000).openapi({ description: "ADMIN_TOKEN, or READONLY_TOKEN for a read-only session" }) })
  .openapi("SignIn");

const tags = ["session"];
const sessionOnly: Record<string, string[]>[] = [{ sessionCookie: [] }];

const view = (c: Context<AppEnv>, token: string, kind: string, expiresAt: Date) => ({
  kind: kind as TokenKind,
  csrfToken: csrfTokenOf(c.var.secrets, token),
  expiresAt: expiresAt.toISOString(),
});

export function sessionRoutes(authenticator: Authenticator) {
  return createRouter()
    .openapi(
      createRoute({
        method: "post",
        path: "/",
        tags,
        summary: "Sign in: an HttpOnly, SameSite=Lax session cookie for the console and the consent flow",
        description: `Answers the session's CSRF token: a change made with the cookie must send it as ${CSRF_HEADER}. Wrong tokens count against the address as bearer tokens do.`,
        security: [],
        request: { body: jsonBody(SignIn) },
        responses: {
          200: jsonResponse(Session, "Signed in; the cookie is set"),
          400: errorResponse(400),
          401: errorResponse(401),
          429: errorResponse(429),
        },
      }),
      async (c) => {
        const kind = authenticator.signIn(c, c.req.valid("json").token);
        const token = newSessionToken();
        const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
        await insertSession(c.var.db, { tokenHash: sessionHash(token), kind, expiresAt });
        setCookie(c, SESSION_COOKIE, token, {
          path: "/",
          httpOnly: true,
          sameSite: "Lax",
          secure: secureCookies(c),
          maxAge: Math.floor(SESSION_TTL_MS / 1000),
        });
        c.var.logger.info({ kind }, "session started");
        return c.json(view(c, token, kind, expiresAt), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        tags,
        summary: "The browser's session, with its CSRF token",
        security: sessionOnly,
        responses: { 200: jsonResponse(Session, "Signed in"), 401: errorResponse(401) },
      }),
      async (c) => {
        const token = getCookie(c, SESSION_COOKIE);
        const session = token ? await liveSession(c.var.db, sessionHash(token)) : null;
        if (!token || !session) throw new ApiError("unauthorized", "not signed in (POST /session), or the session has ended");
        return c.json(view(c, token, session.kind, session.expiresAt), 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/",
        tags,
        summary: "Sign out: the session ends on every replica and the cookie is cleared",
        security: sessionOnly,
        responses: { 204: { description: "Signed out (also when there was no session)" } },
      }),
      async (c) => {
        const token = getCookie(c, SESSION_COOKIE);
        if (token) await deleteSession(c.var.db, sessionHash(token));
        deleteCookie(c, SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "Lax", secure: secureCookies(c) });
        return c.body(null, 204);
      },
    );
}
