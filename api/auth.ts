// §4: /api/* needs `Authorization: Bearer <ADMIN_TOKEN>`. Comparing SHA-256
// digests keeps timingSafeEqual's inputs equal in length whatever is sent.
import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./deps";
import { ApiError } from "./errors";

const digest = (value: string) => createHash("sha256").update(value).digest();

export function bearerAuth(adminToken: string) {
  const expected = digest(adminToken);
  return createMiddleware<AppEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      throw new ApiError("unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>");
    }
    await next();
  });
}
