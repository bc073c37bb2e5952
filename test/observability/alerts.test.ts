// ALERT_WEBHOOK_URL against a local HTTP server, with the real supervisor and
// the memory provider: what is sent when actors enter and leave error, the
// retries, and that a receiver that is down never holds up the sync.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AuthRevoked } from "../../adapters/types.js";
import { bindings, eventTypes } from "../../db/schema.js";
import { type ActorChange, unobserved } from "../../engine/engine-observer.js";
import { createLogger } from "../../logger.js";
import { AlertWebhook } from "../../observability/alerts.js";
import { backend } from "../../testkit/database.js";
import { type EngineWorld, startEngineWorld } from "../engine/engine-harness.js";

interface Receiver {
  url: string;
  bodies: any[];
  close(): Promise<void>;
}

/** A webhook receiver answering each POST with the next status of `answers` (the last one repeats); `hang` never answers. */
async function startReceiver(answers: (number | "hang")[]): Promise<Receiver> {
  const bodies: any[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      bodies.push({ contentType: req.headers["content-type"], ...JSON.parse(text) });
      const answer = answers[Math.min(bodies.length - 1, answers.length - 1)];
      if (answer === "hang") hanging.push(res);
      else res.writeHead(answer).end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/taskcal`,
    bodies,
    close: () =>
      new Promise((done) => {
        for (const res of hanging) res.destroy();
        server.close(() => done());
      }),
  };
}

let world: EngineWorld | undefined;
let receiver: Receiver | undefined;
let alerts: AlertWebhook | undefined;
afterEach(async () => {
  await alerts?.stop();
  await world?.close();
  await receiver?.close();
  alerts = world = receiver = undefined;
});

const logLines: string[] = [];
const logger = createLogger("info", { write: (line: string) => void logLines.push(line) });

/** An engine world whose actor changes go to `alerts` once it is set. */
async function worldWithAlerts() {
  const observer = { ...unobserved, actorChanged: (change: ActorChange) => alerts?.actorChanged(change) };
  return startEngineWorld({ observer });
}

describe(`alert webhook (${backend})`, () => {
  it("actors entering error on a revoked company credential: one message, retried after a 503; syncing again is reported", async () => {
    receiver = await startReceiver([503, 200]);
    world = await worldWithAlerts();
    const w = world;
    const deliveries: string[] = [];
    alerts = new AlertWebhook({ url: receiver.url, db: w.database.db, logger, batchMs: 300, retryBaseMs: 20, onDelivery: (o) => deliveries.push(o) });
    // A second binding on the same company account.
    const [visits] = await w.database.db.insert(eventTypes).values({ name: "Visit", syncEnabled: true }).returning();
    const [second] = await w.database.db
      .insert(bindings)
      .values({ operatorId: w.operatorId, eventTypeId: visits.id, calendarName: "Anna – visits" })
      .returning();
    await w.waitForState("incremental", second.id);
    await w.settle();

    w.memory.failNext(2, new AuthRevoked("The account's access was revoked: authorize again."), ["accountId"]);
    await w.supervisor.command(w.bindingId, "restart");
    await w.supervisor.command(second.id, "restart");
    await w.waitForState("error");
    await w.waitForState("error", second.id);

    await expect.poll(() => receiver!.bodies.length).toBe(2);
    const [first, retried] = receiver.bodies;
    expect(retried).toEqual(first);
    expect(first.contentType).toBe("application/json");
    const actorError = (bindingId: string, calendarName: string) => ({
      event: "actor_error",
      at: expect.any(String),
      provider: "memory",
      bindingId,
      operatorId: w.operatorId,
      eventTypeId: expect.any(String),
      calendarName,
      state: "error",
      previousState: "authorizing",
      credential: "company",
      error: { code: "auth_revoked", message: expect.stringMatching(/authoriz/i), at: expect.any(String) },
    });
    // Both actors, and the credential once (named by whichever actor found it refused first: both restarted at once).
    expect(first.alerts).toHaveLength(3);
    expect(first.alerts).toEqual(expect.arrayContaining([actorError(w.bindingId, "Anna – meetings"), actorError(second.id, "Anna – visits")]));
    const revoked = first.alerts.filter((alert: { event: string }) => alert.event === "credential_revoked");
    expect(revoked).toEqual([
      expect.objectContaining({
        event: "credential_revoked",
        credential: "company",
        provider: "memory",
        error: expect.objectContaining({ code: "auth_revoked" }),
      }),
    ]);
    expect(first.text).toContain(`binding ${w.bindingId} (calendar "Anna – meetings") is in error: auth_revoked`);
    expect(first.text).toContain("the memory credential company was revoked");
    expect(JSON.stringify(first)).not.toContain("company-account");
    // The receiver records the retry before its answer reaches the sender, so wait for the sender's account of it.
    await expect.poll(() => deliveries).toEqual(["failed", "delivered"]);

    await w.supervisor.command(w.bindingId, "restart");
    await w.waitForState("incremental");
    await expect.poll(() => receiver!.bodies.length).toBe(3);
    expect(receiver.bodies[2].alerts).toEqual([
      expect.objectContaining({
        event: "actor_recovered",
        bindingId: w.bindingId,
        state: expect.stringMatching(/initialImport|incremental/),
        error: null,
      }),
    ]);
  });

  it("a receiver that never answers holds nothing up: the actor leaves error and syncs while the alert waits", async () => {
    receiver = await startReceiver(["hang"]);
    world = await worldWithAlerts();
    const w = world;
    alerts = new AlertWebhook({ url: receiver.url, db: w.database.db, logger, batchMs: 10, timeoutMs: 120_000 });
    await w.settle();
    w.memory.failNext(1, new AuthRevoked("revoked"), ["accountId"]);
    await w.supervisor.command(w.bindingId, "restart");
    await w.waitForState("error");
    await expect.poll(() => receiver!.bodies.length).toBe(1);

    await w.supervisor.command(w.bindingId, "restart");
    await w.waitForState("incremental");
    const task = await w.addTask({ subject: "While the alert hangs" });
    const cal = await w.calendarId();
    await expect.poll(() => w.memory.events(cal).some((e) => e.privateProperties?.taskcalTaskId === task.id)).toBe(true);
    // Stopping gives up the hanging delivery rather than waiting for it.
    await alerts.stop();
  });

  it("gives up after its last attempt and says so in the log, without the URL", async () => {
    logLines.length = 0;
    receiver = await startReceiver([500]);
    world = await worldWithAlerts();
    const w = world;
    const deliveries: string[] = [];
    alerts = new AlertWebhook({
      url: receiver.url,
      db: w.database.db,
      logger,
      batchMs: 10,
      attempts: 3,
      retryBaseMs: 10,
      onDelivery: (o) => deliveries.push(o),
    });
    await w.settle();
    w.memory.failNext(1, new AuthRevoked("revoked"), ["accountId"]);
    await w.supervisor.command(w.bindingId, "restart");
    await expect.poll(() => deliveries).toEqual(["failed", "failed", "abandoned"]);
    expect(receiver.bodies).toHaveLength(3);
    const given = logLines.map((line) => JSON.parse(line)).find((line) => line.msg.includes("these alerts are given up"));
    expect(given).toMatchObject({ level: 50, msg: "alert webhook answered HTTP 500; these alerts are given up" });
    expect(logLines.join("\n")).not.toContain(receiver.url);
  });
});
