// Change notifications as a Graph client sees them ("Receive change notifications through webhooks",
// "subscription resource type", "Reduce missing subscriptions and change notifications").
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeGraph, startFakeGraph } from "../../testkit/fake-graph/server.js";
import { meeting, ok, type Receiver, type Session, session, startReceiver } from "./graph-client.js";

let graph: FakeGraph;
let anna: Session;
let receiver: Receiver;
let calendarId: string;
const email = "anna@contoso.example";

beforeAll(async () => {
  graph = await startFakeGraph({ validationTimeoutMs: 2000 });
  anna = await session(graph, email);
  receiver = await startReceiver();
});
afterAll(async () => {
  await graph.close();
  await receiver.close();
});
let calendars = 0;
beforeEach(async () => {
  receiver.validation = "echo";
  receiver.received.length = 0;
  calendarId = ok(await anna.call("POST", "me/calendars", { body: { name: `Watched ${++calendars}` } })).id;
});

const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

const subscribe = (overrides: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  anna.call("POST", "subscriptions", {
    headers,
    body: {
      changeType: "created,updated,deleted",
      notificationUrl: `${receiver.url}/graph/notifications`,
      lifecycleNotificationUrl: `${receiver.url}/graph/lifecycle`,
      resource: `me/calendars/${calendarId}/events`,
      expirationDateTime: inHours(48),
      clientState: "s3cret-client-state",
      ...overrides,
    },
  });

const notificationsTo = (path: string) =>
  receiver.received.filter((r) => r.path === path && !r.query.has("validationToken")).map((r) => JSON.parse(r.body));

describe("subscriptions", () => {
  it("validate both URLs first (POST ?validationToken=…, text/plain, echoed), then answer 201", async () => {
    const answer = await subscribe();
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      id: expect.any(String),
      resource: `me/calendars/${calendarId}/events`,
      changeType: "created,updated,deleted",
      clientState: "s3cret-client-state",
      applicationId: graph.clientId,
      lifecycleNotificationUrl: `${receiver.url}/graph/lifecycle`,
    });
    const validations = receiver.received.filter((r) => r.query.has("validationToken"));
    expect(validations.map((v) => v.path)).toEqual(["/graph/notifications", "/graph/lifecycle"]);
    expect(validations[0].headers["content-type"]).toMatch(/^text\/plain/);
    expect(validations[0].query.get("validationToken")).toMatch(/^Validation: /);
  });

  it("fail with 400 and create nothing when the endpoint does not echo the token", async () => {
    receiver.validation = "wrong-body";
    const wrong = await subscribe();
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe("ValidationError");
    receiver.validation = "not-found";
    expect((await subscribe()).status).toBe(400);
    expect(graph.subscriptions().filter((s) => s.resource.includes(calendarId))).toEqual([]);
  });

  it("refuse an expiration beyond Outlook's maximum or in the past", async () => {
    expect((await subscribe({ expirationDateTime: inHours(24 * 4) })).body.error.message).toMatch(/4230 minutes/);
    expect((await subscribe({ expirationDateTime: inHours(-1) })).status).toBe(400);
  });

  it("notify every change with the clientState, changeType and the event's id", async () => {
    const subscription = ok(await subscribe());
    const created = ok(await anna.call("POST", `me/calendars/${calendarId}/events`, { body: meeting("Watched", "2030-04-01T09:00:00") }));
    graph.user.updateEvent(email, created.id, { subject: "Renamed in Outlook" });
    graph.user.deleteEvent(email, created.id);
    await graph.settle();
    const value = notificationsTo("/graph/notifications").flatMap((n) => n.value);
    expect(value.map((n) => n.changeType)).toEqual(["created", "updated", "deleted"]);
    expect(value[0]).toMatchObject({
      subscriptionId: subscription.id,
      clientState: "s3cret-client-state",
      tenantId: graph.tenantId,
      resource: expect.stringMatching(new RegExp(`^Users/[0-9a-f-]+/Events/${created.id.replace(/[+=]/g, "\\$&")}$`)),
      resourceData: { "@odata.type": "#Microsoft.Graph.Event", id: created.id },
      subscriptionExpirationDateTime: expect.any(String),
    });
    expect(graph.notifications.filter((n) => n.kind === "change").every((n) => n.status === 202)).toBe(true);
  });

  it("watch only their calendar and change types; ids are immutable when created so", async () => {
    ok(await subscribe({ changeType: "deleted" }, { Prefer: 'IdType="ImmutableId"' }));
    const elsewhere = graph.user.defaultCalendar(email);
    graph.user.createEvent(email, elsewhere.id, meeting("Not watched", "2030-04-02T09:00:00"));
    const event = graph.user.createEvent(email, calendarId, meeting("Watched", "2030-04-02T09:00:00"));
    const immutableId = graph.user.immutableId(email, event.id);
    graph.user.deleteEvent(email, event.id);
    await graph.settle();
    const value = notificationsTo("/graph/notifications").flatMap((n) => n.value);
    expect(value.map((n) => [n.changeType, n.resourceData.id])).toEqual([["deleted", immutableId]]);
  });

  it("renew with PATCH expirationDateTime and stop after DELETE", async () => {
    const subscription = ok(await subscribe());
    const later = inHours(60);
    const renewed = ok(await anna.call("PATCH", `subscriptions/${subscription.id}`, { body: { expirationDateTime: later } }));
    expect(Date.parse(renewed.expirationDateTime)).toBe(Date.parse(later));
    expect((await anna.call("DELETE", `subscriptions/${subscription.id}`)).status).toBe(204);
    expect((await anna.call("GET", `subscriptions/${subscription.id}`)).status).toBe(404);
    graph.user.createEvent(email, calendarId, meeting("After delete", "2030-04-03T09:00:00"));
    await graph.settle();
    expect(notificationsTo("/graph/notifications")).toEqual([]);
  });

  it("send lifecycle notifications to the lifecycle URL; reauthorizationRequired pauses delivery until reauthorized", async () => {
    const subscription = ok(await subscribe());
    graph.sendLifecycleNotification(subscription.id, "reauthorizationRequired");
    graph.user.createEvent(email, calendarId, meeting("While paused", "2030-04-04T09:00:00"));
    await graph.settle();
    expect(notificationsTo("/graph/lifecycle").flatMap((n) => n.value)).toEqual([
      {
        subscriptionId: subscription.id,
        subscriptionExpirationDateTime: expect.any(String),
        tenantId: graph.tenantId,
        clientState: "s3cret-client-state",
        lifecycleEvent: "reauthorizationRequired",
      },
    ]);
    expect(notificationsTo("/graph/notifications")).toEqual([]);
    expect((await anna.call("POST", `subscriptions/${subscription.id}/reauthorize`)).status).toBe(200);
    graph.user.createEvent(email, calendarId, meeting("Resumed", "2030-04-04T10:00:00"));
    await graph.settle();
    expect(notificationsTo("/graph/notifications")).toHaveLength(1);

    graph.sendLifecycleNotification(subscription.id, "subscriptionRemoved");
    await graph.settle();
    expect(notificationsTo("/graph/lifecycle").map((n) => n.value[0].lifecycleEvent)).toEqual(["reauthorizationRequired", "subscriptionRemoved"]);
    expect((await anna.call("GET", `subscriptions/${subscription.id}`)).status).toBe(404);
  });

  it("list the app's subscriptions", async () => {
    const subscription = ok(await subscribe());
    const list = ok(await anna.call("GET", "subscriptions"));
    expect(list.value.map((s: any) => s.id)).toContain(subscription.id);
  });
});
