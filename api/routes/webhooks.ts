// POST /webhooks/google: Google's push notices for watched calendars. No bearer
// token (Google cannot send one): the channel token, signed by us, is checked instead.
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../router.js";

const NoticeHeaders = z.object({
  "x-goog-channel-id": z
    .string()
    .max(200)
    .openapi({ param: { name: "x-goog-channel-id", in: "header" } }),
  "x-goog-channel-token": z
    .string()
    .max(200)
    .default("")
    .openapi({ param: { name: "x-goog-channel-token", in: "header" } }),
  "x-goog-resource-state": z
    .string()
    .max(50)
    .optional()
    .openapi({ param: { name: "x-goog-resource-state", in: "header" } }),
  "x-goog-resource-id": z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: "x-goog-resource-id", in: "header" } }),
});

export const webhookRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/google",
    tags: ["webhooks"],
    summary: "A Google Calendar push notice: the binding syncs now",
    security: [],
    request: { headers: NoticeHeaders },
    responses: {
      204: { description: "Ours: the binding's actor syncs" },
      404: { description: "Not a channel of ours (Google stops sending after errors)" },
    },
  }),
  async (c) => {
    const headers = c.req.valid("header");
    // `sync` only confirms a new channel; there is nothing to fetch yet.
    const notice = {
      channelId: headers["x-goog-channel-id"],
      token: headers["x-goog-channel-token"],
      resourceId: headers["x-goog-resource-id"],
      changed: headers["x-goog-resource-state"] !== "sync",
    };
    const known = c.var.engine ? await c.var.engine.pushNotice(notice) : false;
    return c.body(null, known ? 204 : 404);
  },
);
