// Graph's change notifications ("Receive change notifications through
// webhooks"): a validation request first (`?validationToken=…`, answered with
// the token as text/plain within 10 s), then JSON batches of notifications,
// each with the subscription's clientState — taskcal's channel id and signed
// token, checked by the engine in constant time — and lifecycle notifications
// ("Reduce missing subscriptions and change notifications") asking for a
// renewal, saying the subscription is gone, or that notices were missed.
import type { PushNotice, WebhookParse, WebhookRequest } from "../public.js";

interface GraphNotification {
  subscriptionId?: unknown;
  clientState?: unknown;
  changeType?: unknown;
  lifecycleEvent?: unknown;
}

/** Graph's tokens are short; anything much longer is not Graph's. */
const MAX_VALIDATION_TOKEN = 1024;

export function microsoftWebhook(request: WebhookRequest): WebhookParse {
  const validationToken = request.query.validationToken;
  if (validationToken !== undefined) {
    if (validationToken.length > MAX_VALIDATION_TOKEN) return { notices: [], respond: { status: 400 } };
    return { notices: [], respond: { status: 200, body: validationToken, contentType: "text/plain; charset=utf-8" } };
  }
  let batch: { value?: unknown };
  try {
    batch = JSON.parse(request.body) as { value?: unknown };
  } catch {
    return { notices: [], respond: { status: 400 } };
  }
  if (!batch || !Array.isArray(batch.value)) return { notices: [], respond: { status: 400 } };
  const notices = (batch.value as GraphNotification[]).flatMap((item): PushNotice[] => {
    if (typeof item?.clientState !== "string" || typeof item.subscriptionId !== "string") return [];
    const split = item.clientState.indexOf(".");
    if (split <= 0) return [];
    const lifecycle = typeof item.lifecycleEvent === "string" ? item.lifecycleEvent : undefined;
    return [
      {
        channelId: item.clientState.slice(0, split),
        token: item.clientState.slice(split + 1),
        resourceId: item.subscriptionId,
        // reauthorizationRequired only asks for a renewal; a removed subscription or missed notices may hide changes.
        changed: lifecycle !== "reauthorizationRequired",
        ...(lifecycle === "reauthorizationRequired" || lifecycle === "subscriptionRemoved" ? { renew: true } : {}),
      },
    ];
  });
  // Graph wants 202 for a batch, whatever it held; what is not ours the engine ignores.
  return { notices, respond: { status: 202 } };
}
