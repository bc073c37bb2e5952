import { randomUUID } from "node:crypto";
import { badRequest, GraphError, notModelled } from "./graph-errors.js";
import type { IdForm } from "./ids.js";
import type { EventChange } from "./mailbox-state.js";
import { formatTimestamp } from "./time-zones.js";

/**
 * Change notifications through webhooks ("Receive change notifications through webhooks",
 * "subscription resource type", "Reduce missing subscriptions and change notifications"):
 * - Creating (and re-pointing) a subscription first POSTs `?validationToken=…` (text/plain) to the
 *   notificationUrl and to the lifecycleNotificationUrl; each must answer 200, text/plain, the
 *   decoded token as body, within 10 s, or the request fails 400 and nothing is created.
 * - Then every change of an event in the subscribed calendars is POSTed to the notificationUrl as
 *   `{value: [changeNotification]}` with the subscription's clientState; the answer (202 expected,
 *   any 2xx within 3 s accepted) is recorded. The fake neither retries nor throttles deliveries.
 * - expirationDateTime: at most `maxMinutes` ahead (4,230 for Outlook events in the stored docs);
 *   under 45 minutes is raised to 45 (newer subscription page). Expired subscriptions are gone.
 * - Lifecycle notifications go only to a lifecycleNotificationUrl given at creation. After
 *   `reauthorizationRequired` the fake pauses delivery at once (the docs: "eventually") until a
 *   PATCH or /reauthorize; `subscriptionRemoved` deletes the subscription; `missed` only tells.
 * Unlike Graph, plain-http (loopback) URLs are accepted.
 */

export interface SubscriptionRecord {
  id: string;
  owner: string;
  ownerOid: string;
  resource: string;
  /** Calendars whose events it watches; undefined for all of the mailbox's. */
  calendarIds?: string[];
  changeTypes: string[];
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  /** Epoch ms. */
  expiration: number;
  /** Ids in notifications: immutable when created with `Prefer: IdType="ImmutableId"`. */
  idForm: IdForm;
  needsReauthorization: boolean;
}

export type LifecycleEvent = "reauthorizationRequired" | "subscriptionRemoved" | "missed";

/** A request the fake sent (or tried to send) to a client's endpoint. */
export interface SentNotification {
  kind: "validation" | "change" | "lifecycle";
  url: string;
  subscriptionId?: string;
  changeType?: string;
  lifecycleEvent?: LifecycleEvent;
  /** Id of the changed event, in the subscription's id form. */
  resourceId?: string;
  clientState?: string;
  /** The JSON body (change and lifecycle notifications). */
  body?: object;
  /** HTTP status of the answer; undefined when there was none in time. */
  status?: number;
}

export interface SubscriptionOptions {
  maxMinutes: number;
  validationTimeoutMs: number;
  tenantId: string;
  clientId: string;
}

const MIN_MINUTES = 45;
const DELIVERY_TIMEOUT_MS = 3000;
const CHANGE_TYPES = ["created", "updated", "deleted"];

export class Subscriptions {
  readonly sent: SentNotification[] = [];
  private readonly records = new Map<string, SubscriptionRecord>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SubscriptionOptions) {}

  async create(
    owner: { email: string; oid: string },
    body: Record<string, unknown>,
    idForm: IdForm,
    watched: (resource: string) => string[] | undefined,
  ): Promise<SubscriptionRecord> {
    if (body.includeResourceData === true) throw notModelled("rich notifications (includeResourceData)");
    const changeTypes = String(body.changeType ?? "")
      .split(",")
      .map((t) => t.trim());
    if (!changeTypes.length || changeTypes.some((t) => !CHANGE_TYPES.includes(t))) {
      throw badRequest("InvalidRequest", `changeType '${String(body.changeType ?? "")}' is not valid; use created, updated and/or deleted.`);
    }
    if (typeof body.resource !== "string" || !body.resource) throw badRequest("InvalidRequest", "The resource of a subscription is required.");
    const notificationUrl = url(body.notificationUrl, "notificationUrl");
    const lifecycleNotificationUrl =
      body.lifecycleNotificationUrl === undefined ? undefined : url(body.lifecycleNotificationUrl, "lifecycleNotificationUrl");
    if (body.clientState !== undefined && (typeof body.clientState !== "string" || body.clientState.length > 128)) {
      throw badRequest("InvalidRequest", "clientState must be a string of at most 128 characters.");
    }
    const calendarIds = watched(body.resource);
    const expiration = this.expiration(body.expirationDateTime);
    await this.validate(notificationUrl);
    if (lifecycleNotificationUrl) await this.validate(lifecycleNotificationUrl);
    const record: SubscriptionRecord = {
      id: randomUUID(),
      owner: owner.email,
      ownerOid: owner.oid,
      resource: body.resource,
      calendarIds,
      changeTypes,
      notificationUrl,
      lifecycleNotificationUrl,
      clientState: body.clientState as string | undefined,
      expiration,
      idForm,
      needsReauthorization: false,
    };
    this.records.set(record.id, record);
    return record;
  }

  /** PATCH: renews (and reauthorizes); a new notificationUrl is validated first. */
  async update(owner: string, id: string, body: Record<string, unknown>): Promise<SubscriptionRecord> {
    const record = this.get(owner, id);
    const expiration = body.expirationDateTime === undefined ? record.expiration : this.expiration(body.expirationDateTime);
    const notificationUrl = body.notificationUrl === undefined ? record.notificationUrl : url(body.notificationUrl, "notificationUrl");
    if (notificationUrl !== record.notificationUrl) await this.validate(notificationUrl);
    record.expiration = expiration;
    record.notificationUrl = notificationUrl;
    record.needsReauthorization = false;
    return record;
  }

  reauthorize(owner: string, id: string): void {
    this.get(owner, id).needsReauthorization = false;
  }

  delete(owner: string, id: string): void {
    this.records.delete(this.get(owner, id).id);
  }

  get(owner: string, id: string): SubscriptionRecord {
    this.dropExpired();
    const record = this.records.get(id);
    if (!record || record.owner !== owner) throw new GraphError(404, "ResourceNotFound", "The object was not found.");
    return record;
  }

  list(owner?: string): SubscriptionRecord[] {
    this.dropExpired();
    return [...this.records.values()].filter((r) => owner === undefined || r.owner === owner);
  }

  changed(change: EventChange): void {
    for (const record of this.list(change.owner)) {
      if (record.needsReauthorization || !record.changeTypes.includes(change.changeType)) continue;
      if (record.calendarIds && !record.calendarIds.includes(change.calendarId)) continue;
      const id = record.idForm === "immutable" ? change.key : change.restId;
      const resource = `Users/${record.ownerOid}/Events/${id}`;
      const notification = {
        id: randomUUID(),
        subscriptionId: record.id,
        subscriptionExpirationDateTime: formatTimestamp(record.expiration),
        changeType: change.changeType,
        resource,
        resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": resource, "@odata.etag": `W/"${change.changeKey}"`, id },
        clientState: record.clientState ?? null,
        tenantId: this.options.tenantId,
      };
      this.deliver({
        kind: "change",
        url: record.notificationUrl,
        subscriptionId: record.id,
        changeType: change.changeType,
        resourceId: id,
        clientState: record.clientState,
        body: { value: [notification] },
      });
    }
  }

  /** Test control: Graph sends a lifecycle notification for the subscription. */
  lifecycle(id: string, lifecycleEvent: LifecycleEvent): void {
    this.dropExpired();
    const record = this.records.get(id);
    if (!record) throw new Error(`No subscription ${id}`);
    if (lifecycleEvent === "reauthorizationRequired") record.needsReauthorization = true;
    if (lifecycleEvent === "subscriptionRemoved") this.records.delete(id);
    if (!record.lifecycleNotificationUrl) return;
    const notification = {
      subscriptionId: record.id,
      subscriptionExpirationDateTime: formatTimestamp(record.expiration),
      tenantId: this.options.tenantId,
      clientState: record.clientState ?? null,
      lifecycleEvent,
    };
    this.deliver({
      kind: "lifecycle",
      url: record.lifecycleNotificationUrl,
      subscriptionId: record.id,
      lifecycleEvent,
      clientState: record.clientState,
      body: { value: [notification] },
    });
  }

  /** Waits for notifications still being delivered. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  render(record: SubscriptionRecord): object {
    return {
      id: record.id,
      resource: record.resource,
      applicationId: this.options.clientId,
      changeType: record.changeTypes.join(","),
      clientState: record.clientState ?? null,
      notificationUrl: record.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: record.lifecycleNotificationUrl ?? null,
      expirationDateTime: formatTimestamp(record.expiration),
      creatorId: record.ownerOid,
      includeResourceData: false,
      latestSupportedTlsVersion: "v1_2",
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  private expiration(value: unknown): number {
    const at = typeof value === "string" ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) throw badRequest("InvalidRequest", "expirationDateTime is required and must be a date and time.");
    const now = Date.now();
    if (at <= now) throw badRequest("InvalidRequest", "Subscription expiration must be in the future.");
    if (at > now + this.options.maxMinutes * 60_000) {
      throw badRequest("InvalidRequest", `Subscription expiration can only be ${this.options.maxMinutes} minutes in the future.`);
    }
    return Math.max(at, now + MIN_MINUTES * 60_000);
  }

  private async validate(target: string): Promise<void> {
    const validationToken = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const address = new URL(target);
    address.searchParams.set("validationToken", validationToken);
    const record: SentNotification = { kind: "validation", url: target };
    this.sent.push(record);
    let answer: { status: number; type: string; text: string } | undefined;
    try {
      const response = await fetch(address, {
        method: "POST",
        headers: { "Content-Type": "text/plain; charset=utf-8" },
        signal: AbortSignal.timeout(this.options.validationTimeoutMs),
      });
      answer = { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
      record.status = response.status;
    } catch (error) {
      if (error instanceof Error && error.name === "TimeoutError") throw badRequest("ValidationError", "Subscription validation request timed out.");
      throw badRequest(
        "ValidationError",
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
      );
    }
    if (answer.status !== 200) {
      throw badRequest(
        "ValidationError",
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
      );
    }
    if (!answer.type.toLowerCase().startsWith("text/plain") || answer.text !== validationToken) {
      throw badRequest("ValidationError", "Subscription validation request failed. Response must exactly match validationToken query parameter.");
    }
  }

  private deliver(record: SentNotification): void {
    this.sent.push(record);
    const delivery = fetch(record.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(record.body),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    })
      .then(async (response) => {
        record.status = response.status;
        await response.arrayBuffer();
      })
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [id, record] of this.records) if (record.expiration <= now) this.records.delete(id);
  }
}

function url(value: unknown, property: string): string {
  try {
    const parsed = new URL(String(value));
    if (parsed.protocol === "http:" || parsed.protocol === "https:") return parsed.toString();
  } catch {
    // answered below
  }
  throw badRequest("InvalidRequest", `${property} must be an absolute http(s) URL.`);
}
