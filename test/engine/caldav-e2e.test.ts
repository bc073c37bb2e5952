// The provider-neutral rules through the public API, the engine and the CalDAV
// adapter, against a real Radicale. The calendar side is checked and changed
// by raw HTTP, as another CalDAV client would; the engine's writes are counted
// on the adapter's own fetch.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { backend, openTestDatabase } from "../../testkit/database.js";
import { freePort } from "../../testkit/ports.js";
import { type RadicaleServer, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "../caldav/with-radicale.js";
import { type CalDavWorld, type DavResource, icalProperty, icalText, icalUtc, ics, startCalDavWorld, withProperty } from "./caldav-world.js";

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
const PRIVATE_TASK_ID = /^X-TASKCAL-PRIVATE;[^:\r\n]*X-TASKCAL-KEY=taskcalTaskId(?:;[^:\r\n]*)?:(.+)$/m;

const taskIdOf = (resource: DavResource) => PRIVATE_TASK_ID.exec(resource.ics)?.[1];
const vevents = (resource: DavResource) => resource.ics.match(/^BEGIN:VEVENT$/gm)?.length ?? 0;

describeWithRadicale(`engine through the API against Radicale (${backend})`, () => {
  let radicale: RadicaleServer;
  let world: CalDavWorld | undefined;
  beforeAll(async () => {
    // The embedded database boots once per test process, in seconds: do it here, not inside the first test's time limit.
    const warm = backend === "pglite" ? openTestDatabase().then((database) => database.close()) : Promise.resolve();
    [radicale] = await Promise.all([startRadicale(), warm]);
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  afterAll(async () => {
    await radicale?.stop();
  });

  it("R9/R11/R13: a CRM task appears as one VEVENT; create, update and delete each cost exactly one write, with no echoes", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    const writesBefore = world.writeCount();

    const created = await world.call("POST", "/api/tasks", {
      eventTypeId: typeId,
      operatorId,
      subject: "Oferta handlowa",
      description: "Bring the offer",
      customer: "ACME",
      start: soon(24),
      end: soon(25),
      features: { Budget: "10k" },
    });
    expect(created.status).toBe(201);
    const task = created.body;
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(1);
    await world.settle(bindingId);
    const [resource] = await world.resources(calendarPath);
    expect(resource.name).toBe(task.id);
    expect(vevents(resource)).toBe(1);
    expect(icalProperty(resource.ics, "SUMMARY")).toBe(`Oferta handlowa - (${task.number})`);
    expect(icalProperty(resource.ics, "DESCRIPTION")).toBe("Bring the offer\n----- CRM -----\nCustomer: ACME\nBudget: 10k");
    expect(icalProperty(resource.ics, "UID")).toBe(task.id);
    expect(taskIdOf(resource)).toBe(task.id);
    expect(world.writeCount() - writesBefore).toBe(1);

    expect((await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "Oferta 2" })).status).toBe(200);
    await expect.poll(async () => icalProperty((await world!.resources(calendarPath))[0]?.ics ?? "", "SUMMARY")).toBe(`Oferta 2 - (${task.number})`);
    await world.settle(bindingId);
    expect(world.writeCount() - writesBefore).toBe(2);

    expect((await world.call("DELETE", `/api/tasks/${task.id}`)).status).toBeLessThan(300);
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(0);
    await world.settle(bindingId);

    // A steady state: more syncs write nothing (our own PUTs and DELETE come back through the feed as echoes).
    await world.syncNow(bindingId);
    await world.syncNow(bindingId);
    const writes = world.requests.filter((r) => !["GET", "HEAD", "PROPFIND", "REPORT", "OPTIONS"].includes(r.method)).slice(-3);
    expect(writes.map((r) => r.method)).toEqual(["PUT", "PUT", "DELETE"]);
    expect(world.writeCount() - writesBefore).toBe(3);

    const journal = await world.call("GET", `/api/actors/${bindingId}/journal?limit=10`);
    expect(journal.body.map((e: any) => e.action)).toEqual(["delete", "update", "create"]);
    const actor = await world.call("GET", `/api/actors/${bindingId}`);
    expect(actor.body).toMatchObject({ state: "incremental", stats: { pushed: 3, pulled: 0, conflicts: 0 }, lastError: null });
  });

  it("R10/R11: an event another client PUTs becomes a numbered task and shows its number; its edits flow back; its DELETE makes a tombstone", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    await world.put(
      calendarPath,
      "phone-lunch",
      ics(
        "BEGIN:VEVENT",
        "UID:7d1c2a40-phone@example.org",
        `DTSTAMP:${icalUtc(new Date().toISOString())}`,
        `DTSTART:${icalUtc(soon(30))}`,
        `DTEND:${icalUtc(soon(31))}`,
        "SUMMARY:Lunch",
        "DESCRIPTION:Bring slides",
        "END:VEVENT",
      ),
    );
    const writesBefore = world.writeCount();
    await world.syncNow(bindingId);
    const { items } = (await world.call("GET", "/api/tasks")).body;
    expect(items).toHaveLength(1);
    const lunch = items[0];
    expect(lunch).toMatchObject({
      subject: "Lunch",
      description: "Bring slides",
      eventTypeId: typeId,
      operatorId,
      deleted: false,
      number: expect.stringMatching(/^\d+\/\d{4}$/),
    });
    // Its SUMMARY now shows the number: one write, to the same resource.
    let [resource] = await world.resources(calendarPath);
    expect(resource.name).toBe("phone-lunch");
    expect(icalProperty(resource.ics, "SUMMARY")).toBe(`Lunch - (${lunch.number})`);
    expect(icalProperty(resource.ics, "UID")).toBe("7d1c2a40-phone@example.org");
    expect(taskIdOf(resource)).toBe(lunch.id);
    expect(world.writeCount() - writesBefore).toBe(1);

    // The user edits the title and the text above the separator on the phone.
    let edited = withProperty(resource.ics, "SUMMARY", `Lunch with ACME - (${lunch.number})`);
    edited = withProperty(edited, "DESCRIPTION", "Bring slides and the price list");
    await world.put(calendarPath, resource.name, edited, resource.etag);
    await world.syncNow(bindingId);
    expect((await world.call("GET", `/api/tasks/${lunch.id}`)).body).toMatchObject({
      subject: "Lunch with ACME",
      description: "Bring slides and the price list",
      deleted: false,
    });
    // The calendar already shows the task: nothing to write back.
    expect(world.writeCount() - writesBefore).toBe(1);

    // Dropping the number from the title is an edit of the subject; the number comes back.
    [resource] = await world.resources(calendarPath);
    await world.put(calendarPath, resource.name, withProperty(resource.ics, "SUMMARY", "Team lunch"), resource.etag);
    await world.syncNow(bindingId);
    expect((await world.call("GET", `/api/tasks/${lunch.id}`)).body.subject).toBe("Team lunch");
    [resource] = await world.resources(calendarPath);
    expect(icalProperty(resource.ics, "SUMMARY")).toBe(`Team lunch - (${lunch.number})`);
    expect(world.writeCount() - writesBefore).toBe(2);

    await world.remove(calendarPath, resource.name);
    await world.syncNow(bindingId);
    expect((await world.call("GET", `/api/tasks/${lunch.id}`)).body).toMatchObject({ id: lunch.id, deleted: true });
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(0);
    expect(await world.resources(calendarPath)).toHaveLength(0);
    expect(world.writeCount() - writesBefore).toBe(2);
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor).toMatchObject({ state: "incremental", lastError: null, stats: { pulled: 4, conflicts: 0 } });
  });

  it("R10/R11: a recurring event becomes one task per occurrence; deleting the whole series tombstones them all", async () => {
    world = await startCalDavWorld(radicale);
    const { bindingId, calendarPath } = await world.setUp();
    await world.put(
      calendarPath,
      "weekly",
      ics(
        "BEGIN:VEVENT",
        "UID:weekly-review@example.org",
        `DTSTAMP:${icalUtc(new Date().toISOString())}`,
        `DTSTART:${icalUtc(soon(48))}`,
        `DTEND:${icalUtc(soon(49))}`,
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "SUMMARY:Weekly review",
        "END:VEVENT",
      ),
    );
    await world.syncNow(bindingId);
    const { items } = (await world.call("GET", "/api/tasks")).body;
    expect(items.filter((t: any) => t.subject === "Weekly review")).toHaveLength(3);
    const [series] = await world.resources(calendarPath);
    expect(series.name).toBe("weekly");
    for (const task of items) expect(series.ics).toContain(`SUMMARY:Weekly review - (${task.number})`);

    await world.remove(calendarPath, "weekly");
    await world.syncNow(bindingId);
    for (const task of items) expect((await world.call("GET", `/api/tasks/${task.id}`)).body.deleted).toBe(true);
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(0);
  });

  it("R13: a crash between the calendar write and the database write leaves one resource, adopted on restart", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, calendarPath } = await world.setUp();
    const bindingId = (await world.call("GET", "/api/actors")).body[0].id;
    await world.stopEngine();

    // The CRM takes the task while the engine is down...
    const task = (
      await world.call("POST", "/api/tasks", {
        eventTypeId: typeId,
        operatorId,
        subject: "Przegląd",
        description: "Check the boiler",
        customer: "ACME",
        start: soon(24),
        end: soon(26),
      })
    ).body;
    // ...and the event the engine would write lands in the calendar, but the link never reaches the database.
    await world.put(
      calendarPath,
      task.id,
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//taskcal//CalDAV adapter//EN",
        "BEGIN:VEVENT",
        `UID:${task.id}`,
        `DTSTAMP:${icalUtc(new Date().toISOString())}`,
        `DTSTART:${icalUtc(task.start)}`,
        `DTEND:${icalUtc(task.end)}`,
        `SUMMARY:${icalText(`Przegląd - (${task.number})`)}`,
        `DESCRIPTION:${icalText("Check the boiler\n----- CRM -----\nCustomer: ACME")}`,
        `X-TASKCAL-PRIVATE;X-TASKCAL-KEY=taskcalTaskId:${task.id}`,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );

    const writesBefore = world.writeCount();
    await world.startEngine();
    await world.waitForState(bindingId, "incremental");
    await world.settle(bindingId);
    await world.syncNow(bindingId);

    const resources = await world.resources(calendarPath);
    expect(resources).toHaveLength(1);
    expect(resources[0].name).toBe(task.id);
    expect(vevents(resources[0])).toBe(1);
    expect(world.writeCount() - writesBefore).toBe(0);
    const journal = (await world.call("GET", `/api/actors/${bindingId}/journal?limit=5`)).body;
    expect(journal[0]).toMatchObject({ action: "link", taskId: task.id, remoteId: task.id, detail: "existing event adopted" });
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(1);

    // The link is real: the next CRM change is one update of that resource, not a second event.
    await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "Przegląd roczny" });
    await expect.poll(async () => icalProperty((await world!.resources(calendarPath))[0].ics, "SUMMARY")).toBe(`Przegląd roczny - (${task.number})`);
    await world.settle(bindingId);
    expect(await world.resources(calendarPath)).toHaveLength(1);
    expect(world.writeCount() - writesBefore).toBe(1);
  });

  it("R13: a crash after the calendar write of a task the calendar then shows differently still ends with one resource", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, calendarPath } = await world.setUp();
    const bindingId = (await world.call("GET", "/api/actors")).body[0].id;
    await world.stopEngine();
    const task = (await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Serwis", start: soon(24), end: soon(25) }))
      .body;
    // Our write landed, then the task changed before the engine came back.
    await world.put(
      calendarPath,
      task.id,
      ics(
        "BEGIN:VEVENT",
        `UID:${task.id}`,
        `DTSTAMP:${icalUtc(new Date(Date.now() - 60_000).toISOString())}`,
        `LAST-MODIFIED:${icalUtc(new Date(Date.now() - 60_000).toISOString())}`,
        `DTSTART:${icalUtc(task.start)}`,
        `DTEND:${icalUtc(task.end)}`,
        `SUMMARY:${icalText(`Serwis - (${task.number})`)}`,
        `X-TASKCAL-PRIVATE;X-TASKCAL-KEY=taskcalTaskId:${task.id}`,
        "END:VEVENT",
      ),
    );
    await world.call("PATCH", `/api/tasks/${task.id}`, { subject: "Serwis pilny" });
    await world.startEngine();
    await world.waitForState(bindingId, "incremental");
    await world.settle(bindingId);
    await world.syncNow(bindingId);
    const resources = await world.resources(calendarPath);
    expect(resources).toHaveLength(1);
    expect(icalProperty(resources[0].ics, "SUMMARY")).toBe(`Serwis pilny - (${task.number})`);
    expect((await world.call("GET", `/api/tasks/${task.id}`)).body.subject).toBe("Serwis pilny");
  });

  it("R16: a wrong password waits in error, naming the fix, and a corrected one brings the actor back", async () => {
    world = await startCalDavWorld(radicale);
    const { operatorId, bindingId } = await world.setUp();
    expect((await world.call("PATCH", `/api/operators/${operatorId}`, { caldav: { password: "not-the-password" } })).status).toBe(200);
    await world.waitForState(bindingId, "error");
    const actor = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    expect(actor.lastError.code).toBe("auth_revoked");
    expect(actor.lastError.message).toMatch(/CalDAV.*password/);
    expect(JSON.stringify(actor)).not.toContain("not-the-password");

    expect((await world.call("PATCH", `/api/operators/${operatorId}`, { caldav: { password: world.user.password } })).status).toBe(200);
    await world.waitForState(bindingId, "incremental");
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body.lastError).toBeNull();
  });

  it("R16: a server that cannot be reached says why in lastError by kind, never its address or port", async () => {
    world = await startCalDavWorld(radicale);
    const { operatorId, bindingId } = await world.setUp();
    const closed = await freePort();
    // Another origin: the password must come along, or the change clears it.
    const moved = await world.call("PATCH", `/api/operators/${operatorId}`, {
      caldav: { url: `http://127.0.0.1:${closed}/`, password: world.user.password },
    });
    expect(moved.status).toBe(200);
    await expect.poll(async () => (await world!.call("GET", `/api/actors/${bindingId}`)).body.lastError?.message).toMatch(/connection refused/);
    const { lastError } = (await world.call("GET", `/api/actors/${bindingId}`)).body;
    for (const detail of ["127.0.0.1", String(closed), "ECONNREFUSED"]) expect(lastError.message).not.toContain(detail);
  });

  it("R13: resync and a forgotten sync token re-import without duplicates or writes", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    for (let i = 0; i < 3; i++)
      await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: `T${i}`, start: soon(24 + i), end: soon(25 + i) });
    await world.put(
      calendarPath,
      "from-phone",
      ics(
        "BEGIN:VEVENT",
        "UID:from-phone",
        `DTSTAMP:${icalUtc(new Date().toISOString())}`,
        `DTSTART:${icalUtc(soon(40))}`,
        `DTEND:${icalUtc(soon(41))}`,
        "SUMMARY:Call",
        "END:VEVENT",
      ),
    );
    await world.syncNow(bindingId);
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(4);
    await world.settle(bindingId);
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(4);
    const before = await world.resources(calendarPath);
    const writesBefore = world.writeCount();

    await world.syncNow(bindingId, "resync");
    await world.waitForState(bindingId, "incremental");
    await world.settle(bindingId);
    expect(await world.resources(calendarPath)).toEqual(before);
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(4);
    expect(world.writeCount() - writesBefore).toBe(0);

    await radicale.forgetSyncTokens();
    await world.syncNow(bindingId);
    await world.waitForState(bindingId, "incremental");
    await world.settle(bindingId);
    expect(await world.resources(calendarPath)).toEqual(before);
    expect((await world.call("GET", "/api/tasks")).body.items).toHaveLength(4);
    expect(world.writeCount() - writesBefore).toBe(0);
    expect((await world.call("GET", `/api/actors/${bindingId}`)).body).toMatchObject({ state: "incremental", stats: { conflicts: 0 } });
  });
});
