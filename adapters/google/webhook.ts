// Google's push notices ("Push notifications" in the Calendar API guide): the
// channel id, token, resource id and state come as X-Goog-* headers, the body
// is empty. `sync` only confirms a new channel.
import type { WebhookParse, WebhookRequest } from "../provider.js";

export function googleWebhook(request: WebhookRequest): WebhookParse {
  const header = (name: string) => request.headers[name]?.slice(0, 200);
  const channelId = header("x-goog-channel-id");
  if (!channelId) return { notices: [], respond: { status: 400 } };
  return {
    notices: [
      {
        channelId,
        token: header("x-goog-channel-token") ?? "",
        resourceId: header("x-goog-resource-id"),
        changed: header("x-goog-resource-state") !== "sync",
      },
    ],
  };
}
