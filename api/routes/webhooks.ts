// POST /webhooks/{provider}: push notices of providers with push channels
// (Google's X-Goog-* headers, Microsoft Graph's change notifications). No
// bearer token (a provider cannot send one): the provider reads the request
// (its definition's webhook), then every notice's channel token — signed by
// us — is checked by the engine before anything happens.
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../router.js";

const ProviderParam = z.object({
  provider: z
    .string()
    .max(40)
    .openapi({ param: { name: "provider", in: "path" }, example: "google" }),
});

export const webhookRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/{provider}",
    tags: ["webhooks"],
    summary: "A provider's push notice: the bindings it names sync now",
    description:
      "Google sends its notices as X-Goog-* headers; Microsoft Graph as a JSON batch, after a validation request (`?validationToken=`) answered with the token as text/plain.",
    security: [],
    request: { params: ProviderParam },
    responses: {
      200: { description: "A validation handshake, answered" },
      202: { description: "Taken (providers that expect 202 whatever the notices held)" },
      204: { description: "Ours: the bindings' actors sync" },
      400: { description: "Not a notice this provider sends" },
      404: { description: "No such provider, or not a channel of ours (Google stops sending after errors)" },
      413: { description: "Larger than any notice" },
    },
  }),
  async (c) => {
    const provider = c.var.providers.get(c.req.valid("param").provider)?.definition;
    if (!provider?.webhook) return c.body(null, 404);
    const body = await c.req.text();
    const headers = Object.fromEntries(Object.entries(c.req.header()).map(([name, value]) => [name.toLowerCase(), value]));
    const parsed = provider.webhook({ headers, query: c.req.query(), body });
    const engine = c.var.engine;
    const known = await Promise.all(parsed.notices.map((notice) => (engine ? engine.pushNotice(notice) : false)));
    if (parsed.respond) {
      const { status, body: text, contentType } = parsed.respond;
      if (text === undefined) return c.body(null, status as 200);
      // A provider's echo of what the request carried: plain text, never sniffed as anything else.
      return c.body(text, status as 200, { "Content-Type": contentType ?? "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" });
    }
    return c.body(null, known.length > 0 && known.every(Boolean) ? 204 : 404);
  },
);
