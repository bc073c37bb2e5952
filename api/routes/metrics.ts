// GET /metrics: the Prometheus text format. Open by default (the metrics hold
// no secret, task, name or e-mail address); with METRICS_TOKEN set, only a
// scraper sending that token reads them. A token of its own rather than the
// admin token: it sits in the scraper's configuration, and must open nothing else.
import { createHash, timingSafeEqual } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../errors.js";
import { createRouter } from "../router.js";
import { errors } from "../schemas/common.js";
import { clientAddress, type SignInThrottle } from "../sign-in-throttle.js";

export interface MetricsSource {
  contentType: string;
  text(): Promise<string>;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

export function metricsRoutes(metrics: MetricsSource, token: string | undefined, throttle: SignInThrottle) {
  const expected = token === undefined ? undefined : digest(token);
  return createRouter().openapi(
    createRoute({
      method: "get",
      path: "/metrics",
      tags: ["service"],
      summary: "Prometheus metrics of this process",
      description: "Prometheus text format. Needs `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set; open otherwise.",
      security: token === undefined ? [] : [{ metricsToken: [] }],
      responses: {
        200: { description: "Metrics in the Prometheus text format", content: { "text/plain": { schema: z.string() } } },
        ...errors(401, 429),
      },
    }),
    async (c) => {
      if (expected) {
        const address = clientAddress(c);
        const waitMs = throttle.waitMs(address);
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          throw new ApiError("too_many_attempts", `too many failed sign-ins from this address; try again in ${seconds} s`, undefined, {
            "Retry-After": String(seconds),
          });
        }
        const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
        if (!match || !timingSafeEqual(digest(match[1]), expected)) {
          if (match) throttle.fail(address);
          throw new ApiError("unauthorized", "send Authorization: Bearer <METRICS_TOKEN>");
        }
      }
      return c.text(await metrics.text(), 200, { "content-type": metrics.contentType });
    },
  );
}
