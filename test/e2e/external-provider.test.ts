// A provider written outside taskcal (examples/provider-example), loaded by
// the real service through TASKCAL_PROVIDERS by path, syncs both ways: the
// test changes the provider's backing store (a JSON file) as another program
// would, and the CRM through the API.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonCalendarStore } from "../../examples/provider-example/store.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { startTaskcal, type TaskcalProcess } from "./taskcal-process.js";

const MODULE = "./examples/provider-example/index.js";
/** A whole second some hours ahead (calendars keep whole seconds). */
const soon = (hours: number) => new Date(Math.floor(Date.now() / 1000 + hours * 3600) * 1000).toISOString();

describe(`an external provider module loaded by TASKCAL_PROVIDERS (${backend})`, () => {
  let folder: string;
  let database: TestDatabase | undefined;
  let taskcal: TaskcalProcess;
  let store: JsonCalendarStore;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "taskcal-external-"));
    store = new JsonCalendarStore(join(folder, "anna.json"));
    if (backend === "postgres") database = await openTestDatabase();
    taskcal = await startTaskcal(join(folder, "data"), { TASKCAL_PROVIDERS: MODULE, ...(database?.url ? { DATABASE_URL: database.url } : {}) });
  }, 120_000);

  afterAll(async () => {
    if (taskcal && taskcal.child.exitCode === null) taskcal.child.kill("SIGKILL");
    await database?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const api = (method: string, path: string, body?: unknown) => taskcal.api(method, path, body);
  const task = async (id: string) => (await api("GET", `/api/tasks/${id}`)).body;

  it("is registered beside the built-in providers, its account schema in the OpenAPI document", async () => {
    // Log lines reach the pipe after the health check may already answer.
    await expect.poll(() => taskcal.output.join("")).toContain("provider Example: calendars in a JSON file registered");
    const providers = (await api("GET", "/api/providers")).body.map((p: { id: string }) => p.id);
    expect(providers).toEqual(expect.arrayContaining(["caldav", "example-json", "google"]));
    const doc = (await (await fetch(`${taskcal.base}/openapi.json`)).json()) as any;
    expect(doc.components.schemas["example-jsonAccount"].properties.file).toMatchObject({ type: "string" });
  });

  it("syncs both ways: creates, edits and deletes on each side", async () => {
    expect((await api("PATCH", "/api/settings", { pollIntervalSeconds: 1 })).status).toBe(200);
    const type = (await api("POST", "/api/event-types", { name: "Visit", googleSync: true, display: { fields: ["number"], features: [] } })).body;
    const operator = await api("POST", "/api/operators", {
      name: "Anna",
      googleEnabled: true,
      useConfigToken: false,
      provider: "example-json",
      account: { file: store.file },
    });
    expect(operator.status).toBe(201);
    expect(
      (
        await api("POST", "/api/operators", {
          name: "Bad",
          googleEnabled: true,
          useConfigToken: false,
          provider: "example-json",
          account: { file: "relative.json" },
        })
      ).body.error,
    ).toMatchObject({
      code: "invalid_input",
      details: [{ path: "account.file", message: "must be an absolute path" }],
    });
    const [binding] = (await api("PUT", `/api/operators/${operator.body.id}/calendars`, [{ eventTypeId: type.id, calendarName: "Anna – visits" }]))
      .body;
    await expect.poll(async () => (await api("GET", `/api/actors/${binding.bindingId}`)).body.state).toBe("incremental");
    const calendar = store.read().calendars.find((c) => c.name === "Anna – visits")!;
    expect(calendar).toBeDefined();
    const events = () => store.liveEvents(calendar.id);

    // CRM → calendar
    const created = (
      await api("POST", "/api/tasks", { eventTypeId: type.id, operatorId: operator.body.id, subject: "Offer", start: soon(24), end: soon(25) })
    ).body;
    await expect.poll(() => events().map((e) => e.data.summary)).toEqual([`Offer - (${created.number})`]);
    expect((await api("PATCH", `/api/tasks/${created.id}`, { subject: "Offer, revised" })).status).toBe(200);
    await expect.poll(() => events().map((e) => e.data.summary)).toEqual([`Offer, revised - (${created.number})`]);

    // calendar → CRM: an event another program adds becomes a numbered task, and its title shows the number
    const added = store.userCreate(calendar.id, { summary: "Site visit", start: { dateTime: soon(48) }, end: { dateTime: soon(49) } });
    await expect
      .poll(async () => (await api("GET", `/api/tasks?operatorId=${operator.body.id}`)).body.items.map((t: { subject: string }) => t.subject).sort())
      .toEqual(["Offer, revised", "Site visit"]);
    const visit = (await api("GET", `/api/tasks?operatorId=${operator.body.id}`)).body.items.find(
      (t: { subject: string }) => t.subject === "Site visit",
    );
    await expect.poll(() => store.event(calendar.id, added)?.data.summary).toBe(`Site visit - (${visit.number})`);
    const movedTo = soon(50);
    store.userUpdate(calendar.id, added, {
      summary: `Site visit, moved - (${visit.number})`,
      start: { dateTime: movedTo },
      end: { dateTime: soon(51) },
    });
    await expect.poll(async () => (await task(visit.id)).subject).toBe("Site visit, moved");
    expect(Date.parse((await task(visit.id)).start)).toBe(Date.parse(movedTo));

    // deletions, each way
    store.remove(calendar.id, added);
    await expect.poll(async () => (await task(visit.id)).deleted).toBe(true);
    expect((await api("DELETE", `/api/tasks/${created.id}`)).status).toBe(204);
    await expect.poll(() => events().length).toBe(0);

    const journal = (await api("GET", `/api/actors/${binding.bindingId}/journal?limit=50`)).body;
    expect(journal.filter((e: { outcome: string }) => e.outcome === "failed")).toEqual([]);
  });

  it("a provider module that cannot load stops start-up, saying which and why", async () => {
    const failure = await startTaskcal(join(folder, "data-2"), {
      TASKCAL_PROVIDERS: "./examples/no-such-provider.js",
      ...(database?.url ? { DATABASE_URL: database.url } : {}),
    }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/taskcal exited early/);
    expect((failure as Error).message).toContain("provider module ./examples/no-such-provider.js could not be loaded");
  });
});
