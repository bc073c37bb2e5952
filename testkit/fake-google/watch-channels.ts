import { randomBytes } from "node:crypto";
import { GoogleApiError, invalid, notFound } from "./google-errors.js";

export interface WatchChannelRecord {
  id: string;
  resourceId: string;
  resourceUri: string;
  calendarId: string;
  owner: string;
  address: string;
  token?: string;
  /** Epoch milliseconds. */
  expiration: number;
  messageNumber: number;
}

/** A notification the fake sent (or tried to send) to a webhook. */
export interface SentNotification {
  channelId: string;
  resourceState: "sync" | "exists";
  address: string;
  /** HTTP status of the webhook's answer; undefined when it could not be reached. */
  status?: number;
}

const DEFAULT_TTL_SECONDS = 604_800;

/** events.watch channels: a `sync` message when created, `exists` on every change of the calendar. */
export class WatchChannels {
  readonly sent: SentNotification[] = [];
  private readonly channels = new Map<string, WatchChannelRecord>();
  private readonly inFlight = new Set<Promise<void>>();

  open(
    owner: string,
    calendarId: string,
    resourceUri: string,
    body: { id?: string; type?: string; address?: string; token?: string; params?: { ttl?: string } },
  ): WatchChannelRecord {
    if (!body.id) throw new GoogleApiError(400, "required", "Required channel id.");
    if (body.type !== "web_hook" && body.type !== "webhook") throw invalid("Invalid channel type.");
    if (!body.address) throw new GoogleApiError(400, "required", "Required address.");
    if (this.channels.has(body.id)) throw invalid(`Channel id ${body.id} not unique`);
    const ttl = Number(body.params?.ttl ?? DEFAULT_TTL_SECONDS);
    const channel: WatchChannelRecord = {
      id: body.id,
      resourceId: randomBytes(12).toString("base64url"),
      resourceUri,
      calendarId,
      owner,
      address: body.address,
      token: body.token,
      expiration: Date.now() + ttl * 1000,
      messageNumber: 0,
    };
    this.channels.set(channel.id, channel);
    this.notify(channel, "sync");
    return channel;
  }

  stop(owner: string, body: { id?: string; resourceId?: string }): void {
    const channel = body.id ? this.channels.get(body.id) : undefined;
    if (!channel || channel.resourceId !== body.resourceId || channel.owner !== owner) throw notFound();
    this.channels.delete(channel.id);
  }

  active(): WatchChannelRecord[] {
    return [...this.channels.values()];
  }

  calendarChanged(calendarId: string): void {
    for (const channel of this.channels.values()) {
      if (channel.expiration < Date.now()) this.channels.delete(channel.id);
      else if (channel.calendarId === calendarId) this.notify(channel, "exists");
    }
  }

  /** Waits for notifications still being delivered. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private notify(channel: WatchChannelRecord, resourceState: "sync" | "exists"): void {
    const record: SentNotification = { channelId: channel.id, resourceState, address: channel.address };
    this.sent.push(record);
    const headers: Record<string, string> = {
      "X-Goog-Channel-ID": channel.id,
      "X-Goog-Channel-Expiration": new Date(channel.expiration).toUTCString(),
      "X-Goog-Message-Number": String(++channel.messageNumber),
      "X-Goog-Resource-ID": channel.resourceId,
      "X-Goog-Resource-State": resourceState,
      "X-Goog-Resource-URI": channel.resourceUri,
    };
    if (channel.token !== undefined) headers["X-Goog-Channel-Token"] = channel.token;
    const delivery = fetch(channel.address, { method: "POST", headers })
      .then(async (response) => {
        record.status = response.status;
        await response.arrayBuffer();
      })
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }
}
