// Property-based fuzzing of every route in the app's OpenAPI document (new
// routes are covered as they are documented): generated paths, query strings,
// headers and bodies, mostly shaped like the route's schemas with hostile
// values mixed in (impossible dates, offsets like +25:00, 24:00, NUL bytes,
// huge numbers, __proto__ keys, deep nesting, crafted cursors). No answer may
// be a 5xx, every refusal is in the one error shape, and a refused write
// leaves the database exactly as it was (row contents and counts, settings).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignInThrottle } from "../../api/sign-in-throttle.js";
import type { EngineControl } from "../../engine/engine-control.js";
import { backend } from "../../testkit/database.js";
import { builtInRegistry } from "../../testkit/providers.js";
import { ADMIN_TOKEN, type ApiHarness, openApi } from "./api-harness.js";

/** Per route; the issue asks for at least 500. */
const RUNS_PER_ROUTE = 500;

type Schema = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  parameters: { name: string; in: string; required?: boolean; schema: Schema }[];
  body?: Schema;
}

interface Generated {
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
}

/** An engine with no actors: controls answer 404 as they would for an unknown binding. */
const noActors: EngineControl = {
  command: async () => null,
  pushNotice: async () => false,
};

/** Ids that exist, so generated requests reach the handlers' database work; grown as creations succeed. */
const pool: Record<"type" | "operator" | "task", string[]> = { type: [], operator: [], task: [] };

const hostileStrings = [
  "",
  " ",
  "\u0000",
  "nul\u0000byte",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "%00",
  "%",
  "%E0%A4%A",
  "%zz",
  "..",
  "../../etc/passwd",
  "'; drop table tasks; --",
  "<script>alert(1)</script>",
  "\ud800",
  "😀".repeat(50),
  "x".repeat(5_000),
  "2026-02-30",
  "2026-13-01",
  "0000-01-01",
  "2026-12-01T24:00:00+01:00",
  "2026-12-01T23:59:60Z",
  "2026-12-01T09:00:00+25:00",
  "2026-12-01T09:00:00+99:99",
  "2026-12-01T09:00:00-14:01",
  "9999-12-31T23:59:59-14:00",
  "1000-01-01T00:00:00+14:00",
  "2026-12-01T09:00:00.123456789Z",
  "1e309",
  "-0",
  "NaN",
  "Infinity",
  "0x10",
  "null",
  "true",
  "{}",
  "[]",
  "00000000-0000-0000-0000-000000000000",
  "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "Europe/Atlantis",
  "Etc/GMT+1",
];

const hostileNumbers = [
  0,
  -0,
  -1,
  0.5,
  1e-300,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 53,
  2 ** 53 + 2,
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  86_401,
  10_001,
  121,
];

/** A nested array or object far deeper than any schema. */
const deep = (depth: number, object: boolean): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = object ? { a: value } : [value];
  return value;
};

/**
 * How a request is made up. `plausible`: shaped like the schema, ids that
 * exist, a hostile value now and then, so requests get past validation into
 * the handlers and the database. `hostile`: hostile values and unknown or
 * prototype-named keys everywhere.
 */
type Mode = "plausible" | "hostile";

const fromPool = (ids: () => string[]) => fc.nat().map((i) => ids()[i % ids().length]);
const allIds = () => [...pool.type, ...pool.operator, ...pool.task];

/** Which existing ids suit a field (or path parameter) named `name`: `type:id` is the id in /api/event-types/{id}. */
function knownIds(name: string): () => string[] {
  if (name === "eventTypeId" || name === "type:id") return () => pool.type;
  if (name === "operatorId" || name === "operator:id") return () => pool.operator;
  if (name === "task:id") return () => pool.task;
  return allIds;
}

/** An id: one that exists (of the kind the field names, when it names one), another, or not an id at all. */
function uuidish(name: string, mode: Mode) {
  const known = knownIds(name);
  return fc.oneof(
    { weight: mode === "plausible" ? 12 : 3, arbitrary: fromPool(known) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fromPool(allIds).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...hostileStrings) },
  );
}

const instant = fc.date({ min: new Date("1900-01-01T00:00:00Z"), max: new Date("2200-01-01T00:00:00Z"), noInvalidDate: true }).chain((date) =>
  fc.constantFrom("Z", "+01:00", "-05:30", "+14:00", "+0100").map((offset) =>
    date
      .toISOString()
      .replace("Z", offset)
      .replace(/\.\d{3}/, ""),
  ),
);
const calendarDate = fc
  .date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const dateish = () =>
  fc.oneof({ weight: 3, arbitrary: instant }, { weight: 3, arbitrary: calendarDate }, { weight: 2, arbitrary: fc.constantFrom(...hostileStrings) });

/**
 * A task's span as a client would send it: dates for all-day tasks, instants
 * otherwise, end after start. Plausible bodies mostly carry one, so they get
 * past the span check to the handlers' database work.
 */
const plausibleSpan = fc
  .record({
    allDay: fc.boolean(),
    from: fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2030-12-31T00:00:00Z"), noInvalidDate: true }),
    minutes: fc.nat(3 * 24 * 60),
  })
  .map(({ allDay, from, minutes }) => {
    const to = new Date(from.getTime() + minutes * 60_000);
    const form = (at: Date) => (allDay ? at.toISOString().slice(0, 10) : at.toISOString().replace(/\.\d{3}Z$/, "+00:00"));
    return { allDay, start: form(from), end: form(to) };
  });

/** A task cursor's inside, crafted: shapes the API never gave out, or nearly did. */
const cursor = () =>
  fc
    .oneof(
      fc.constant(["2026-13-45T99:99:99.999999Z", "00000000-0000-4000-8000-000000000000"]),
      fc.constant(["0000-01-01T00:00:00.000000Z", "00000000-0000-4000-8000-000000000000"]),
      fc.constant(["2026-01-01T24:00:00.000000Z", "00000000-0000-4000-8000-000000000000"]),
      fc.constant(["2026-01-01T00:00:00.000000Z", "not-a-uuid"]),
      fc.tuple(dateish(), uuidish("", "hostile")),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((inside) => Buffer.from(JSON.stringify(inside)).toString("base64url"))
    .chain((encoded) => fc.oneof(fc.constant(encoded), fc.constantFrom(...hostileStrings), fc.base64String({ maxLength: 200 })));

/** Anything at all, hostile or merely wrong. */
const hostile = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...hostileStrings) },
    { weight: 2, arbitrary: fc.constantFrom(...hostileNumbers) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(deep(3_000, false), deep(3_000, true), null, true, [], {}) },
  );

/** Adds own properties named like the prototype's, which a plain assignment would not create. */
function withHostileKeys(object: Record<string, unknown>, keys: string[], value: unknown) {
  const copy = { ...object };
  for (const key of keys) Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

function arbitraryFor(schema: Schema, doc: Schema, mode: Mode, name = "", depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryFor(doc.components.schemas[schema.$ref.split("/").pop()], doc, mode, name, depth);
  if (depth > 6) return hostile();
  return fc.oneof(
    { weight: mode === "plausible" ? 40 : 3, arbitrary: shapedFor(schema, doc, mode, name, depth) },
    { weight: 1, arbitrary: hostile() },
  );
}

const words = ["Offer", "Anna", "Europe/Warsaw", "Calendar", "Budget", "Sales visit", "ACME", "number", "customer"];

function shapedFor(schema: Schema, doc: Schema, mode: Mode, name: string, depth: number): fc.Arbitrary<unknown> {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative: Schema) => arbitraryFor(alternative, doc, mode, name, depth + 1)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (/^(start|end|from|to)$/.test(name)) return dateish();
  if (name === "cursor") return cursor();
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => shapedFor({ ...schema, type }, doc, mode, name, depth)));
  switch (types[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number": {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1_000_000;
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: Math.max(min, -1e9), max: Math.min(max, 1e9) }) },
        { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, min, max) },
        { weight: 1, arbitrary: fc.double() },
      );
    }
    case "string": {
      if (schema.format === "uuid") return uuidish(name, mode);
      if (schema.format === "uri") {
        return fc.oneof(
          fc.webUrl(),
          fc.constantFrom(
            "https://dav.example.com/",
            "http://127.0.0.1:5232/",
            "https://u:p@dav.example.com/",
            "javascript:alert(1)",
            "https://[::1]/",
          ),
        );
      }
      if (name === "timeZone") return fc.constantFrom("Europe/Warsaw", "America/New_York", "Pacific/Kiritimati", "Etc/GMT+12", "UTC");
      const maxLength = Math.min(schema.maxLength ?? 300, 12_000);
      return fc.oneof(
        { weight: 20, arbitrary: fc.string({ minLength: 1, maxLength: Math.min(maxLength, 40), unit: "grapheme" }) },
        { weight: 20, arbitrary: fc.constantFrom(...words) },
        { weight: mode === "plausible" ? 1 : 5, arbitrary: fc.constantFrom(maxLength, maxLength + 1).map((n) => "x".repeat(n)) },
        { weight: mode === "plausible" ? 0 : 10, arbitrary: fc.constantFrom(...hostileStrings) },
      );
    }
    case "array": {
      const maxLength = Math.min((schema.maxItems ?? 6) + 1, 8);
      return fc.array(arbitraryFor(schema.items ?? {}, doc, mode, name, depth + 1), { maxLength });
    }
    case "object": {
      const properties: Record<string, Schema> = schema.properties ?? {};
      const fields = Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, arbitraryFor(value, doc, mode, key, depth + 1)]));
      const record = fc.record(fields, { requiredKeys: (schema.required ?? []).filter((key: string) => key in fields) });
      const extra =
        schema.additionalProperties && typeof schema.additionalProperties === "object"
          ? fc.dictionary(
              mode === "plausible"
                ? fc.constantFrom(...words)
                : fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...hostileStrings.slice(0, 12))),
              arbitraryFor(schema.additionalProperties, doc, mode, "", depth + 1),
              { maxKeys: mode === "plausible" ? 5 : 55 },
            )
          : fc.constant({});
      const hostileKeys: fc.Arbitrary<string[]> =
        mode === "plausible" ? fc.constant([]) : fc.subarray(["__proto__", "constructor", "prototype", "unknownField"], { maxLength: 2 });
      const span = mode === "plausible" && "start" in properties && "end" in properties ? fc.option(plausibleSpan, { freq: 4 }) : fc.constant(null);
      return fc
        .tuple(record, extra, hostileKeys, hostile(), span)
        .map(([known, more, keys, value, task]) => withHostileKeys({ ...more, ...(known as object), ...task }, keys, value));
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** A generated value as text for a path, query or header: objects as JSON (String() throws on some, e.g. {"toString": 1}). */
const asText = (value: unknown) => (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));

/** Header values go on the wire as bytes: printable Latin-1 only. */
const headerValue = (value: string) =>
  [...value]
    .filter((ch) => {
      const code = ch.codePointAt(0)!;
      return code >= 0x20 && code <= 0xff && code !== 0x7f;
    })
    .join("");

/** encodeURIComponent, which throws on lone surrogates: those become U+FFFD (bodies still carry them). */
const encode = (value: string) => encodeURIComponent(value.replace(/[\ud800-\udfff]/gu, "\ufffd"));

const contentTypes = [
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "",
];

type Parameter = Operation["parameters"][number];

function requestFor(operation: Operation, doc: Schema, mode: Mode): fc.Arbitrary<Generated> {
  const pathParams = operation.parameters.filter((p) => p.in === "path");
  const queryParams = operation.parameters.filter((p) => p.in === "query");
  const headerParams = operation.parameters.filter((p) => p.in === "header");
  const resource = operation.template.startsWith("/api/tasks/")
    ? "task:"
    : operation.template.startsWith("/api/event-types/")
      ? "type:"
      : operation.template.startsWith("/api/operators/")
        ? "operator:"
        : "";
  const segment = (param: Parameter) =>
    fc.oneof(
      { weight: 12, arbitrary: arbitraryFor(param.schema, doc, mode, resource + param.name).map((value) => encode(asText(value))) },
      // Raw, unencoded segments: broken percent-encoding, dots, slashes.
      { weight: 1, arbitrary: fc.constantFrom("%E0%A4%A", "%zz", "%00", "..", "a%2Fb", "%2e%2e", "%") },
    );
  const path = fc
    .tuple(...pathParams.map(segment))
    .map((values) => pathParams.reduce((result, param, i) => result.replace(`{${param.name}}`, values[i]), operation.template));
  const queryValue = (param: Parameter) => arbitraryFor(param.schema, doc, mode, param.name).map(asText);
  const extraParams =
    mode === "plausible"
      ? fc.constant([])
      : fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...queryParams.map((p) => p.name), "__proto__", "extra"), fc.string({ maxLength: 8 })),
            fc.constantFrom(...hostileStrings),
          ),
          { maxLength: 2 },
        );
  const query = fc
    .tuple(fc.tuple(...queryParams.map((param) => fc.option(queryValue(param), { freq: 2 }))), extraParams, fc.boolean())
    .map(([values, extra, raw]) => {
      const pairs: [string, string][] = [];
      queryParams.forEach((param, i) => {
        if (values[i] !== null) pairs.push([param.name, values[i] as string]);
      });
      pairs.push(...extra);
      // Now and then unencoded, as a hand-typed URL would be.
      return pairs.map(([key, value]) => (raw && mode === "hostile" ? `${key}=${value}` : `${encode(key)}=${encode(value)}`)).join("&");
    });
  const headers = fc
    .tuple(...headerParams.map((param) => fc.option(arbitraryFor(param.schema, doc, mode, param.name).map(asText), { freq: 3 })))
    .map((values) =>
      Object.fromEntries(headerParams.flatMap((param, i) => (values[i] === null ? [] : [[param.name, headerValue(values[i] as string)]]))),
    );
  const jsonBody = (operation.body ? arbitraryFor(operation.body, doc, mode) : fc.jsonValue({ maxDepth: 3 })).map((value) => JSON.stringify(value));
  const body =
    mode === "plausible"
      ? operation.body
        ? jsonBody
        : fc.constant(undefined)
      : fc.oneof(
          { weight: operation.body ? 6 : 1, arbitrary: jsonBody },
          { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('{"subject": "x",', '{"__proto__": {"polluted": true}}', '{"a":1,"a":2}', "[", "\u0000", "1e99999"),
          },
          { weight: operation.body ? 0 : 4, arbitrary: fc.constant(undefined) },
        );
  const contentType = mode === "plausible" ? fc.constant("application/json") : fc.constantFrom(...contentTypes);
  return fc.record({ path, query, headers, body, contentType }).map(({ contentType: type, ...generated }) => ({
    ...generated,
    headers: { ...generated.headers, ...(generated.body === undefined || type === "" ? {} : { "content-type": type }) },
  }));
}

// The routes come from the document before the tests are declared: one test per route.
// Generated sign-ins (POST /session) fail by the hundred: a throttle that never closes keeps the other routes reachable.
// Connection tests (POST /api/operators/{id}/test) meet calendars that refuse at once, instead of waiting on a network there is not.
const refused = async () => {
  throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
};
// Google's sign-in refuses every token at once (400 invalid_grant): google-auth-library retries a refresh that
// finds no server, with backoff (about 0.65 s each), and generated operators with tokens of their own made hundreds.
const google = createServer((_request, response) => {
  response.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_grant" }));
});
await new Promise<void>((resolve) => google.listen(0, "127.0.0.1", resolve));
const googleUrl = `http://127.0.0.1:${(google.address() as AddressInfo).port}/`;
const api: ApiHarness = await openApi({
  engine: noActors,
  signInThrottle: new SignInThrottle({ attempts: Number.MAX_SAFE_INTEGER }),
  providers: builtInRegistry({
    // Hundreds of calls on the company's account: at the default pace (500 a minute) they would wait on its pacer.
    google: { apiRootUrl: googleUrl, tokenUrl: `${googleUrl}token`, requestsPerMinute: 60_000, retry: { maxAttempts: 1 }, timeoutMs: 1_000 },
    caldav: { fetch: refused, timeoutMs: 1_000 },
    // Generated company settings may point Microsoft anywhere (an address that never answers): refused at once too.
    microsoft: { fetch: refused, retry: { maxAttempts: 1 }, timeoutMs: 1_000 },
  }),
});
const doc: Schema = (await api.call("GET", "/openapi.json", undefined, { token: null })).body;
const operations: Operation[] = Object.entries<Record<string, any>>(doc.paths).flatMap(([template, item]) =>
  Object.entries(item).map(([method, operation]) => ({
    method: method.toUpperCase(),
    template,
    parameters: operation.parameters ?? [],
    body: operation.requestBody?.content?.["application/json"]?.schema,
  })),
);

describe(`fuzzing every documented route (${backend})`, () => {
  /** The database as the last check left it, and PostgreSQL's next transaction id then. */
  let baseline: Record<string, unknown>;
  let baselineXid: string;

  beforeAll(async () => {
    const synced = await api.create("/api/event-types", { name: "Synced", googleSync: true, display: { fields: ["number"], features: ["Budget"] } });
    const plain = await api.create("/api/event-types", { name: "Plain", googleSync: false });
    const shared = await api.create("/api/operators", { name: "Shared", googleEnabled: true, useConfigToken: true });
    const dav = await api.create("/api/operators", {
      name: "Dav",
      googleEnabled: true,
      useConfigToken: false,
      provider: "caldav",
      caldav: { url: "https://dav.example.com/", username: "dav", password: "pw" },
    });
    await api.call("PUT", `/api/operators/${shared.id}/calendars`, [{ eventTypeId: synced.id, calendarName: "Offers" }]);
    pool.type.push(synced.id, plain.id);
    pool.operator.push(shared.id, dav.id);
    for (const [i, operator] of [shared, dav].entries()) {
      const timed = await api.create("/api/tasks", {
        eventTypeId: synced.id,
        operatorId: operator.id,
        subject: `Timed ${i}`,
        start: "2026-12-01T09:00:00+01:00",
        end: "2026-12-01T10:00:00+01:00",
      });
      const allDay = await api.create("/api/tasks", {
        eventTypeId: plain.id,
        operatorId: operator.id,
        subject: `Day ${i}`,
        start: "2026-12-02",
        end: "2026-12-03",
        allDay: true,
      });
      pool.task.push(timed.id, allDay.id);
    }
    baseline = await snapshot();
    baselineXid = await nextTransactionId();
  });
  afterAll(async () => {
    await api.close();
    google.close();
  });

  const firstRow = (result: unknown) => (Array.isArray(result) ? result[0] : (result as { rows: unknown[] }).rows[0]) as Record<string, unknown>;

  /** Every row of every table a write may touch, and the settings row, as digests. */
  async function snapshot() {
    return firstRow(
      await api.database.db.execute(sql`
        select
          (select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) from tasks t) as tasks,
          (select md5(coalesce(string_agg(e::text, '|' order by e.id), '')) from event_types e) as event_types,
          (select md5(coalesce(string_agg(o::text, '|' order by o.id), '')) from operators o) as operators,
          (select md5(coalesce(string_agg(b::text, '|' order by b.id), '')) from bindings b) as bindings,
          (select count(*)::int from audit_log) as audit_entries,
          (select s::text from settings s) as settings`),
    );
  }

  /**
   * The next transaction id PostgreSQL would hand out. Only a transaction
   * that writes gets one, so while it stays put nothing was written, and the
   * digests need not be taken again (they are, whenever it moves).
   */
  async function nextTransactionId() {
    return String(firstRow(await api.database.db.execute(sql`select pg_snapshot_xmax(pg_current_snapshot())::text as xid`)).xid);
  }

  it("covers every route of the document", () => {
    expect(operations.length).toBeGreaterThanOrEqual(28);
  });

  for (const operation of operations) {
    const writes = operation.method !== "GET";
    it(`${operation.method} ${operation.template}: ${RUNS_PER_ROUTE} requests, no 5xx${writes ? ", no partial write" : ""}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof({ weight: 2, arbitrary: requestFor(operation, doc, "plausible") }, requestFor(operation, doc, "hostile")),
          async (generated) => {
            const url = `http://localhost${generated.path}${generated.query ? `?${generated.query}` : ""}`;
            const answer = await api.app.request(url, {
              method: operation.method,
              headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...generated.headers },
              body: operation.method === "GET" ? undefined : generated.body,
            });
            const text = await answer.text();
            const what = `${operation.method} ${url} ${generated.body?.slice(0, 300) ?? ""} → ${answer.status} ${text.slice(0, 300)}`;
            expect(answer.status, what).toBeLessThan(500);
            if (answer.status >= 400 && operation.template.startsWith("/api/")) {
              expect(JSON.parse(text).error, what).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
            }
            const kind = /^\/api\/tasks/.test(operation.template) ? "task" : /^\/api\/operators/.test(operation.template) ? "operator" : "type";
            if (answer.status === 201) pool[kind].push(JSON.parse(text).id);
            // A removed type or operator is no use to later requests (a deleted task stays, as a tombstone).
            if (answer.status === 204 && operation.method === "DELETE" && kind !== "task") {
              const id = decodeURIComponent(generated.path.split("/").pop()!).toLowerCase();
              pool[kind] = pool[kind].filter((known) => known !== id);
            }
            if (!writes) return;
            const xid = await nextTransactionId();
            if (xid === baselineXid) return;
            const after = await snapshot();
            if (answer.status >= 400) expect(after, `refused, yet written: ${what}`).toEqual(baseline);
            baseline = after;
            baselineXid = xid;
          },
        ),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    });
  }
});
