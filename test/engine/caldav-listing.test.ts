// The CalDAV change listing through the engine against a real Radicale: it
// asks for ETags first and fetches (calendar-multiget) only what taskcal does
// not already hold, so its own writes coming back cost no fetch, while a
// change someone else made, and a deletion, still reach the CRM.
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { backend, openTestDatabase } from "../../testkit/database.js";
import { type RadicaleServer, startRadicale } from "../../testkit/radicale.js";
import { describeWithRadicale } from "../caldav/with-radicale.js";
import { type CalDavWorld, startCalDavWorld, withProperty } from "./caldav-world.js";

const soon = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

describeWithRadicale(`CalDAV listing by ETags first (${backend})`, () => {
  let radicale: RadicaleServer;
  let world: CalDavWorld | undefined;
  beforeAll(async () => {
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

  /** The REPORTs the engine sent from request number `from` on, by kind. */
  const reportsSince = (from: number, kind: string) => world!.requests.slice(from).filter((r) => r.report?.kind === kind);

  it("taskcal's own writes are not fetched again; someone else's edit is fetched alone and reaches the task; a deletion is seen", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    const tasks: { id: string; number: string }[] = [];
    for (const [i, subject] of ["First", "Second", "Third"].entries()) {
      const created = await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject, start: soon(24 + i), end: soon(25 + i) });
      expect(created.status).toBe(201);
      tasks.push(created.body);
    }
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(3);
    await world.settle(bindingId);

    // The first sync after the upload lists our three writes (the token predates them): ETags only, no multiget.
    let mark = world.requests.length;
    await world.syncNow(bindingId);
    expect(reportsSince(mark, "sync-collection").length).toBeGreaterThan(0);
    expect(reportsSince(mark, "calendar-multiget")).toEqual([]);

    // Another client edits one event and deletes another.
    const resources = await world.resources(calendarPath);
    const edited = resources.find((r) => r.name === tasks[0].id)!;
    const doomed = resources.find((r) => r.name === tasks[1].id)!;
    await world.put(calendarPath, edited.name, withProperty(edited.ics, "SUMMARY", `Moved by phone - (${tasks[0].number})`), edited.etag);
    await world.remove(calendarPath, doomed.name);

    mark = world.requests.length;
    await world.syncNow(bindingId);
    const multigets = reportsSince(mark, "calendar-multiget");
    expect(multigets.length).toBe(1);
    expect(multigets[0].report!.hrefs).toEqual([`${calendarPath}${edited.name}.ics`]);
    expect((await world.call("GET", `/api/tasks/${tasks[0].id}`)).body.subject).toBe("Moved by phone");
    expect((await world.call("GET", `/api/tasks/${tasks[1].id}`)).body.deleted).toBe(true);
    expect((await world.call("GET", `/api/tasks/${tasks[2].id}`)).body.subject).toBe("Third");

    // The write that brought the edit into the task comes back as ours: the next sync fetches nothing.
    await world.settle(bindingId);
    mark = world.requests.length;
    await world.syncNow(bindingId);
    expect(reportsSince(mark, "calendar-multiget")).toEqual([]);
  });

  it("a resync lists every resource but fetches only those it does not hold at their ETag", async () => {
    world = await startCalDavWorld(radicale);
    const { typeId, operatorId, bindingId, calendarPath } = await world.setUp();
    const created = await world.call("POST", "/api/tasks", { eventTypeId: typeId, operatorId, subject: "Ours", start: soon(30), end: soon(31) });
    expect(created.status).toBe(201);
    await expect.poll(async () => (await world!.resources(calendarPath)).length).toBe(1);
    await world.settle(bindingId);
    const start = new Date(soon(40)).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const end = new Date(soon(41)).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const foreign = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//phone//EN",
      "BEGIN:VEVENT",
      "UID:phone-made-1",
      `DTSTAMP:${start}`,
      `DTSTART:${start}`,
      `DTEND:${end}`,
      "SUMMARY:Made on the phone",
      "END:VEVENT",
      "END:VCALENDAR",
      "",
    ].join("\r\n");
    await world.put(calendarPath, "phone-made-1", foreign);

    const mark = world.requests.length;
    await world.syncNow(bindingId, "resync");
    const multigets = reportsSince(mark, "calendar-multiget");
    expect(multigets.flatMap((r) => r.report!.hrefs)).toEqual([`${calendarPath}phone-made-1.ics`]);
    const listed = await world.call("GET", `/api/tasks?operatorId=${operatorId}`);
    const subjects = (listed.body.items ?? listed.body).map((task: { subject: string }) => task.subject).sort();
    expect(subjects).toEqual(["Made on the phone", "Ours"]);
  });

  it("an event under a resource name with commas, quotes and braces is known by its ETag once imported", async () => {
    world = await startCalDavWorld(radicale);
    const { bindingId, calendarPath } = await world.setUp();
    const start = new Date(soon(50)).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const end = new Date(soon(51)).toISOString().replace(/[-:]|\.\d{3}/g, "");
    const name = 'phone,"made"{2}';
    const body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN", "BEGIN:VEVENT", "UID:phone-made-2", `DTSTAMP:${start}`];
    await world.put(
      calendarPath,
      name,
      [...body, `DTSTART:${start}`, `DTEND:${end}`, "SUMMARY:Odd name", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n"),
    );

    // Imported, then its number written back: that write comes back at the ETag the link holds, and is not fetched.
    await world.syncNow(bindingId);
    await world.settle(bindingId);
    expect((await world.resources(calendarPath)).find((r) => r.name === name)?.ics).toMatch(/SUMMARY:Odd name - \(\d+\/\d{4}\)/);
    const mark = world.requests.length;
    await world.syncNow(bindingId);
    expect(reportsSince(mark, "calendar-multiget")).toEqual([]);
  });
});
