// §4: /api/* needs `Authorization: Bearer <token>`: the admin token, or the
// read-only token, which may only read (GET). Comparing SHA-256 digests keeps
// timingSafeEqual's inputs equal in length whatever is sent. Every wrong
// token counts against the client's address; an address over the limit is
// refused before its token is even looked at, so guessing gains nothing.
import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv, TokenKind } from "./deps.js";
import { ApiError } from "./errors.js";
import { clientAddress, type SignInThrottle } from "./sign-in-throttle.js";

const digest = (value: string) => createHash("sha256").update(value).digest();

export interface BearerTokens {
  admin: string;
  readonly?: string;
}

const readMethods = new Set(["GET", "HEAD"]);

export function bearerAuth(tokens: BearerTokens, throttle: SignInThrottle) {
  const known: [TokenKind, Buffer][] = [["admin", digest(tokens.admin)]];
  if (tokens.readonly !== undefined) known.push(["readonly", digest(tokens.readonly)]);
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    // No credentials at all is not an attempt to sign in: nothing to count.
    if (header.trim() === "") throw new ApiError("unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>");
    const address = clientAddress(c);
    const waitMs = throttle.waitMs(address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      throw new ApiError("too_many_attempts", `too many failed sign-ins from this address; try again in ${seconds} s`, undefined, {
        "Retry-After": String(seconds),
      });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = match ? digest(match[1]) : undefined;
    const kind = given && known.find(([, expected]) => timingSafeEqual(given, expected))?.[0];
    if (!kind) {
      throttle.fail(address);
      throw new ApiError("unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>");
    }
    if (kind === "readonly" && !readMethods.has(c.req.method)) {
      throw new ApiError("forbidden", `the read-only token may only read (GET); ${c.req.method} needs the admin token`);
    }
    c.set("tokenKind", kind);
    await next();
  });
}
