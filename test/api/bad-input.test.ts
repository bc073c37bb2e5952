// Each family of bad input answers 4xx in the one error shape, names the
// field, and writes nothing.
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventTypes, operators, tasks } from "../../db/schema.js";
import { backend } from "../../testkit/database.js";
import { type Answer, type ApiHarness, type CallOptions, openApi } from "./api-harness.js";

describe(`bad input (${backend})`, () => {
  let api: ApiHarness;
  let typeId: string;
  let operatorId: string;
  let taskId: string;
  beforeAll(async () => {
    api = await openApi();
    typeId = (await api.create("/api/event-types", { name: "Offer", googleSync: true })).id;
    operatorId = (await api.create("/api/operators", { name: "Anna", googleEnabled: true, useConfigToken: true })).id;
    taskId = (await api.create("/api/tasks", task())).id;
  });
  afterAll(() => api?.close());

  const task = (extra: Record<string, unknown> = {}) => ({
    eventTypeId: typeId,
    operatorId,
    subject: "Offer",
    start: "2026-12-01T09:00:00+01:00",
    end: "2026-12-01T10:00:00+01:00",
    ...extra,
  });

  async function rowCounts() {
    const db = api.database.db;
    const [[t], [e], [o]] = await Promise.all([
      db.select({ n: count() }).from(tasks),
      db.select({ n: count() }).from(eventTypes),
      db.select({ n: count() }).from(operators),
    ]);
    return { tasks: t.n, eventTypes: e.n, operators: o.n };
  }

  /** Calls, then checks status, code, the named field and that no row changed. */
  async function refused(
    call: [method: string, path: string, body?: unknown, options?: CallOptions],
    status: number,
    code: string,
    field?: string,
  ): Promise<Answer> {
    const before = await rowCounts();
    const taskBefore = (await api.call("GET", `/api/tasks/${taskId}`)).body;
    const answer = await api.call(...call);
    expect(answer.status, answer.text).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(typeof answer.body.error.message).toBe("string");
    if (field) {
      expect(answer.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(answer.body.error.message).toContain(field);
    }
    expect(await rowCounts()).toEqual(before);
    expect((await api.call("GET", `/api/tasks/${taskId}`)).body).toEqual(taskBefore);
    return answer;
  }

  it("wrong types", async () => {
    await refused(["POST", "/api/tasks", task({ subject: 42 })], 400, "invalid_input", "subject");
    await refused(["POST", "/api/tasks", task({ allDay: "yes" })], 400, "invalid_input", "allDay");
    await refused(["POST", "/api/tasks", task({ features: { Budget: 10 } })], 400, "invalid_input", "features.Budget");
    await refused(["POST", "/api/event-types", { name: "T", googleSync: "true" }], 400, "invalid_input", "googleSync");
    await refused(["PATCH", "/api/settings", { monthsBack: "3" }], 400, "invalid_input", "monthsBack");
    await refused(["PATCH", `/api/tasks/${taskId}`, { priority: "urgent" }], 400, "invalid_input", "priority");
    await refused(["POST", "/api/operators", ["Anna"]], 400, "invalid_input", "body");
  });

  it("missing required fields", async () => {
    await refused(["POST", "/api/tasks", { ...task(), subject: undefined }], 400, "invalid_input", "subject");
    await refused(["POST", "/api/operators", { name: "X", googleEnabled: true }], 400, "invalid_input", "useConfigToken");
  });

  it("unknown fields", async () => {
    await refused(["POST", "/api/tasks", task({ colour: "red" })], 400, "invalid_input", "colour");
    await refused(["PATCH", `/api/tasks/${taskId}`, { number: "1/1999" }], 400, "invalid_input", "number");
    await refused(
      ["POST", "/api/event-types", { name: "T", googleSync: true, display: { fields: [], extra: 1 } }],
      400,
      "invalid_input",
      "display.extra",
    );
    await refused(
      ["POST", "/api/operators", { name: "X", googleEnabled: true, useConfigToken: true, refreshTokenSet: true }],
      400,
      "invalid_input",
      "refreshTokenSet",
    );
    await refused(["PATCH", "/api/settings", { googleClientSecretSet: true }], 400, "invalid_input", "googleClientSecretSet");
  });

  it("end before start", async () => {
    await refused(["POST", "/api/tasks", task({ end: "2026-12-01T08:59:59+01:00" })], 400, "invalid_input", "end");
    await refused(["POST", "/api/tasks", task({ allDay: true, start: "2026-12-02", end: "2026-12-01" })], 400, "invalid_input", "end");
    await refused(["PATCH", `/api/tasks/${taskId}`, { start: "2026-12-01T11:00:00+01:00" }], 400, "invalid_input", "end");
  });

  it("unknown ids: 404 in the path, 422 in the body", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const path of ["/api/tasks", "/api/event-types", "/api/operators"]) {
      await refused(["GET", `${path}/${missing}`], 404, "not_found");
      await refused(["PATCH", `${path}/${missing}`, {}], 404, "not_found");
      await refused(["DELETE", `${path}/${missing}`], 404, "not_found");
      await refused(["GET", `${path}/not-a-uuid`], 404, "not_found", "id");
    }
    await refused(["POST", "/api/tasks", task({ eventTypeId: missing })], 422, "invalid_reference", "eventTypeId");
    await refused(["POST", "/api/tasks", task({ operatorId: missing })], 422, "invalid_reference", "operatorId");
    await refused(["POST", "/api/tasks", task({ operatorId: "anna" })], 400, "invalid_input", "operatorId");
    await refused(["GET", "/api/no-such-thing"], 404, "not_found");
  });

  it("an all-day task with a time, a timed task with a date, impossible dates", async () => {
    await refused(["POST", "/api/tasks", task({ allDay: true })], 400, "invalid_input", "start");
    await refused(["POST", "/api/tasks", task({ allDay: true, start: "2026-12-01", end: "2026-12-01T10:00" })], 400, "invalid_input", "end");
    await refused(["POST", "/api/tasks", task({ start: "2026-12-01", end: "2026-12-01" })], 400, "invalid_input", "start");
    await refused(["POST", "/api/tasks", task({ start: "2026-12-01T09:00:00" })], 400, "invalid_input", "start");
    await refused(["POST", "/api/tasks", task({ allDay: true, start: "2026-02-30", end: "2026-03-01" })], 400, "invalid_input", "start");
    await refused(["POST", "/api/tasks", task({ start: "2026-13-01T09:00:00Z" })], 400, "invalid_input", "start");
  });

  it("impossible times and offsets: 24:00, leap seconds, offsets past ±14:00, instants whose date overflows four digits", async () => {
    for (const start of [
      "2026-12-01T24:00:00+01:00",
      "2026-12-01T09:60:00Z",
      "2026-12-01T23:59:60Z",
      "2026-12-01T09:00:00+25:00",
      "2026-12-01T09:00:00+14:30",
      "2026-12-01T09:00:00-15:00",
      "2026-12-01T09:00:00+01:60",
      "9999-12-31T23:59:59-14:00",
    ]) {
      await refused(["POST", "/api/tasks", task({ start, end: "9999-12-31T23:59:59Z" })], 400, "invalid_input", "start");
    }
    await refused(["GET", "/api/tasks?to=9999-12-31T23:59:59-14:00"], 400, "invalid_input", "to");
    await refused(["GET", "/api/tasks?from=2026-12-01T24:00:00Z"], 400, "invalid_input", "from");
    expect((await api.call("POST", "/api/tasks", task({ start: "2026-12-01T09:00:00+14:00", end: "2026-12-01T10:00:00-12:00" }))).status).toBe(201);
  });

  it("crafted cursors are 400 naming cursor, never a database error", async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const id = "00000000-0000-4000-8000-000000000000";
    for (const cursor of [
      encode(["0000-01-01T00:00:00.000000Z", id]),
      encode(["2026-13-45T99:99:99.999999Z", id]),
      encode(["2026-01-01T00:00:00.000000Z", "not-a-uuid"]),
      encode(["2026-01-01T00:00:00.000000Z"]),
      encode({ at: "2026-01-01T00:00:00.000000Z", id }),
      "not base64 at all!",
    ]) {
      await refused(["GET", `/api/tasks?cursor=${encodeURIComponent(cursor)}`], 400, "invalid_input", "cursor");
    }
  });

  it("__proto__ keys are refused by name, never dropped silently", async () => {
    await refused(
      ["POST", "/api/tasks", undefined, { raw: JSON.stringify(task()).replace(/^\{/, '{"__proto__":{"admin":true},') }],
      400,
      "invalid_input",
      "__proto__",
    );
    await refused(
      ["POST", "/api/tasks", undefined, { raw: JSON.stringify(task()).replace(/^\{/, '{"features":{"__proto__":"x","Budget":"1"},') }],
      400,
      "invalid_input",
      "features.__proto__",
    );
    await refused(
      ["PATCH", `/api/tasks/${taskId}`, undefined, { raw: '{"features":{"__proto__":"x"}}' }],
      400,
      "invalid_input",
      "features.__proto__",
    );
    await refused(
      ["POST", "/api/event-types", { name: "P", googleSync: true, display: { features: ["__proto__"] } }],
      400,
      "invalid_input",
      "display.features[0]",
    );
    await refused(["PATCH", "/api/settings", undefined, { raw: '{"__proto__":{"monthsBack":1}}' }], 400, "invalid_input", "__proto__");
  });

  it("huge numbers and deep nesting", async () => {
    await refused(["PATCH", "/api/settings", { monthsBack: 1e308 }], 400, "invalid_input", "monthsBack");
    await refused(["PATCH", "/api/settings", { pollIntervalSeconds: 2 ** 53 + 2 }], 400, "invalid_input", "pollIntervalSeconds");
    await refused(["GET", "/api/tasks?limit=1e400"], 400, "invalid_input", "limit");
    await refused(["GET", "/api/audit?limit=99999999999999999999"], 400, "invalid_input", "limit");
    const deep = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    await refused(["PATCH", "/api/settings", undefined, { raw: deep(100_000) }], 400, "invalid_input", "body");
    await refused(["PATCH", "/api/settings", undefined, { raw: `{"monthsBack":${deep(100_000)}}` }], 400, "invalid_input", "monthsBack");
    await refused(
      ["POST", "/api/tasks", undefined, { raw: JSON.stringify(task()).replace(/^\{/, `{"features":{"Budget":${deep(50_000)}},`) }],
      400,
      "invalid_input",
      "features.Budget",
    );
  });

  it("non-IANA time zones", async () => {
    for (const zone of ["CEST", "GMT+1", "+01:00", "Europe/Atlantis", ""]) {
      await refused(["POST", "/api/tasks", task({ timeZone: zone })], 400, "invalid_input", "timeZone");
    }
    await refused(["PATCH", "/api/settings", { timeZone: "Warsaw" }], 400, "invalid_input", "timeZone");
  });

  it("oversized strings and collections", async () => {
    await refused(["POST", "/api/tasks", task({ subject: "x".repeat(501) })], 400, "invalid_input", "subject");
    await refused(["POST", "/api/tasks", task({ subject: "   " })], 400, "invalid_input", "subject");
    await refused(["POST", "/api/tasks", task({ description: "x".repeat(10_001) })], 400, "invalid_input", "description");
    await refused(["POST", "/api/tasks", task({ features: { Budget: "x".repeat(1001) } })], 400, "invalid_input", "features.Budget");
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, "v"]));
    await refused(["POST", "/api/tasks", task({ features: many })], 400, "invalid_input", "features");
    await refused(["POST", "/api/event-types", { name: "n".repeat(201), googleSync: true }], 400, "invalid_input", "name");
    await refused(["PATCH", "/api/settings", { googleClientId: "c".repeat(501) }], 400, "invalid_input", "googleClientId");
  });

  it("text PostgreSQL cannot store (NUL characters) is refused, not a 500", async () => {
    await refused(["POST", "/api/tasks", task({ subject: "nul\u0000byte" })], 400, "invalid_input", "subject");
    await refused(["POST", "/api/tasks", task({ description: "nul\u0000" })], 400, "invalid_input", "description");
    await refused(["POST", "/api/tasks", task({ features: { Budget: "nul\u0000byte" } })], 400, "invalid_input", "features.Budget");
    await refused(
      ["PUT", `/api/operators/${operatorId}/calendars`, [{ eventTypeId: typeId, calendarName: "a\u0000" }]],
      400,
      "invalid_input",
      "[0].calendarName",
    );
  });

  it("a body over the size limit is 413", async () => {
    const huge = JSON.stringify(task({ description: "x".repeat(1100 * 1024) }));
    await refused(["POST", "/api/tasks", undefined, { raw: huge }], 413, "payload_too_large");
  });

  it("malformed JSON, a missing body, another media type", async () => {
    await refused(["POST", "/api/tasks", undefined, { raw: '{"subject": "x",' }], 400, "invalid_json");
    await refused(["PATCH", "/api/settings", undefined, { raw: "" }], 400, "invalid_json");
    await refused(["POST", "/api/event-types", undefined], 400, "invalid_input");
    await refused(
      ["POST", "/api/event-types", undefined, { raw: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } }],
      415,
      "unsupported_media_type",
    );
  });
});
