// POST /api/operators/{id}/preview: a first import's plan, from the engine's
// planner, against the fake Google; nothing written on either side.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ConsoleWorld, startConsoleWorld } from "../../testkit/console-world.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";

let world: ConsoleWorld;
let database: TestDatabase | undefined;

beforeAll(async () => {
  if (process.env.TEST_DATABASE_URL) database = await openTestDatabase();
  world = await startConsoleWorld({ databaseUrl: database?.url });
}, 60_000);

afterAll(async () => {
  await world?.stop();
  await database?.close();
});

it("tells which tasks would become events, which events tasks, and which would be linked, writing nothing", async () => {
  const { api, google } = world;
  await api("PATCH", "/api/settings", {
    googleClientId: google.clientId,
    googleClientSecret: google.clientSecret,
    defaultRefreshToken: world.refreshToken,
  });
  const type = (await api("POST", "/api/event-types", { name: "Visit", googleSync: true, display: { fields: ["number"], features: [] } })).body;
  // Disabled: the binding exists but no actor imports yet, as before a first import.
  const operator = (await api("POST", "/api/operators", { name: "Ewa", googleEnabled: false, useConfigToken: true })).body;
  const [binding] = (await api("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Ewa - visits" }])).body;
  const tomorrow = new Date(Date.now() + 86_400_000);
  const task = async (subject: string) =>
    (
      await api("POST", "/api/tasks", {
        eventTypeId: type.id,
        operatorId: operator.id,
        subject,
        start: tomorrow.toISOString(),
        end: new Date(tomorrow.getTime() + 3_600_000).toISOString(),
      })
    ).body;
  const fresh = await task("Fresh visit");
  const known = await task("Known visit");

  // Before the calendar exists: every task would become an event.
  const before = await api("POST", `/api/operators/${operator.id}/preview`);
  expect(before.status).toBe(200);
  expect(before.body).toEqual([
    expect.objectContaining({
      bindingId: binding.bindingId,
      calendarFound: false,
      eventsToTasks: [],
      matches: [],
      error: null,
      tasksToEvents: expect.arrayContaining([expect.objectContaining({ taskId: fresh.id }), expect.objectContaining({ taskId: known.id })]),
    }),
  ]);
  expect(google.user.calendars(world.email).map((calendar) => calendar.summary)).not.toContain("Ewa - visits");

  const calendar = google.user.createCalendar(world.email, "Ewa - visits");
  const slot = { start: { dateTime: tomorrow.toISOString() }, end: { dateTime: new Date(tomorrow.getTime() + 3_600_000).toISOString() } };
  const foreign = google.user.createEvent(world.email, calendar.id, { summary: "Lunch", ...slot });
  const copy = google.user.createEvent(world.email, calendar.id, {
    summary: `Known visit - (${known.number})`,
    extendedProperties: { private: { taskcalTaskId: known.id } },
    ...slot,
  });
  const writes = google.writeCount();
  // The calendars an administrator picks from: the account's, listed through the provider.
  const listed = await api("GET", `/api/operators/${operator.id}/account-calendars`);
  expect(listed.body).toEqual({
    calendars: expect.arrayContaining([{ id: calendar.id, name: "Ewa - visits", writable: true }]),
    error: null,
  });

  const after = (await api("POST", `/api/operators/${operator.id}/preview`)).body[0];
  expect(after.calendarFound).toBe(true);
  expect(after.tasksToEvents.map((item: { taskId: string }) => item.taskId)).toEqual([fresh.id]);
  expect(after.eventsToTasks).toEqual([expect.objectContaining({ remoteId: foreign.id, summary: "Lunch" })]);
  expect(after.matches).toEqual([expect.objectContaining({ remoteId: copy.id, taskId: known.id })]);

  expect(google.writeCount()).toBe(writes);
  expect((await api("GET", `/api/tasks?operatorId=${operator.id}`)).body.items).toHaveLength(2);
  expect((await api("GET", `/api/actors/${binding.bindingId}/journal`)).status).toBe(404);
});

it("answers 404 for an operator that does not exist", async () => {
  const answer = await world.api("POST", "/api/operators/00000000-0000-4000-8000-000000000000/preview");
  expect(answer.status).toBe(404);
});
