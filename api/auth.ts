// §4: /api/* needs `Authorization: Bearer <token>` (the admin token, or the
// read-only token, which may only read), or the cookie of a session signed in
// with one of them (POST /session). A cookie-signed change must also carry the
// session's CSRF token: a cookie goes with whatever request the browser makes,
// the header only with requests our own pages make. Comparing SHA-256 digests
// keeps timingSafeEqual's inputs equal in length whatever is sent. Every wrong
// token counts against the client's address; an address over the limit is
// refused before its token is even looked at, so guessing gains nothing.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { liveSession } from "../db/queries/sessions.js";
import type { AppEnv, TokenKind } from "./deps.js";
import { ApiError } from "./errors.js";
import { CSRF_HEADER, csrfMatches, SESSION_COOKIE, sessionHash } from "./session-tokens.js";
import { clientAddress, type SignInThrottle } from "./sign-in-throttle.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

export interface BearerTokens {
  admin: string;
  readonly?: string;
}

const readMethods = new Set(["GET", "HEAD"]);

export class Authenticator {
  private readonly known: [TokenKind, Buffer][];

  constructor(
    tokens: BearerTokens,
    private readonly throttle: SignInThrottle,
  ) {
    this.known = [["admin", digest(tokens.admin)]];
    if (tokens.readonly !== undefined) this.known.push(["readonly", digest(tokens.readonly)]);
  }

  /** Which token `given` is; a wrong one counts against the address, which is refused (429) while over the limit. */
  signIn(c: Context<AppEnv>, given: string): TokenKind {
    const address = clientAddress(c);
    const waitMs = this.throttle.waitMs(address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new ApiError("too_many_attempts", `too many failed sign-ins from this address; try again in ${seconds} s`, undefined, {
        "Retry-After": String(seconds),
      });
    }
    const hashed = digest(given);
    const kind = this.known.find(([, expected]) => timingSafeEqual(hashed, expected))?.[0];
    if (!kind) {
      this.throttle.fail(address);
      throw new ApiError("unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>, or sign in (POST /session)");
    }
    return kind;
  }

  /** Who makes the request: its bearer token, else its session cookie (with the CSRF token on a change). */
  async requester(c: Context<AppEnv>): Promise<TokenKind> {
    const header = c.req.header("authorization") ?? "";
    // No credentials at all is not an attempt to sign in: nothing to count.
    if (header.trim() !== "") {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      // A malformed header counts as a wrong token.
      return this.signIn(c, match ? match[1] : `\0${header}`);
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (!cookie) throw new ApiError("unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>, or sign in (POST /session)");
    // A session that ran out is not a guess: it does not count against the address.
    const session = await liveSession(c.var.db, sessionHash(cookie));
    if (!session) throw new ApiError("unauthorized", "the session has ended (signed out, or 12 hours passed): sign in again (POST /session)");
    if (!readMethods.has(c.req.method) && !csrfMatches(c.var.secrets, cookie, c.req.header(CSRF_HEADER) ?? "")) {
      throw new ApiError(
        "forbidden",
        `a change made with a session cookie needs the ${CSRF_HEADER} header: the csrfToken that POST /session and GET /session answer`,
      );
    }
    return session.kind as TokenKind;
  }
}

/** The /api/* gate: the requester, and the read-only token (or session) on a write refused. */
export function apiAuth(authenticator: Authenticator) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const kind = await authenticator.requester(c);
    if (kind === "readonly" && !readMethods.has(c.req.method)) {
      throw new ApiError("forbidden", `the read-only token may only read (GET); ${c.req.method} needs the admin token`);
    }
    c.set("tokenKind", kind);
    await next();
  });
}
