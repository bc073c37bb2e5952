// The whole service in one process: the HTTP API, the engine and the CalDAV
// adapter, against a real Radicale and a real database. The calendar side is
// read and changed by raw HTTP ("another client"), never through our adapter.
import pino from "pino";
import { expect } from "vitest";
import { caldavProvider } from "../../adapters/caldav/definition.js";
import { ProviderRegistry } from "../../adapters/registry.js";
import { createApp } from "../../api/app.js";
import type { ActorStateName as ActorState } from "../../db/enums.js";
import { SecretBox } from "../../db/secret-box.js";
import { Supervisor } from "../../engine/supervisor.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { jsonClient, ok } from "../../testkit/json-client.js";
import { type RadicaleServer, type RadicaleUser, startRadicale } from "../../testkit/radicale.js";

const ADMIN = "caldav-world-admin-token";
const CALENDAR_NAME = "Anna – meetings";

/** One request the engine's adapter sent to Radicale. */
export interface DavRequest {
  method: string;
  path: string;
  /** A REPORT's kind (`sync-collection`, `calendar-multiget`...) and the hrefs its body names. */
  report?: { kind: string; hrefs: string[] };
}

/** What a REPORT body asks for: its root element and the hrefs it names (a multiget's resources). */
function reportOf(body: unknown): DavRequest["report"] {
  if (typeof body !== "string") return undefined;
  const kind = /<(?:[\w-]+:)?([\w-]+)[\s>]/.exec(body.replace(/<\?xml[^>]*\?>/, ""))?.[1];
  const hrefs = [...body.matchAll(/<(?:[\w-]+:)?href>([^<]+)</g)].map((m) => decodeURIComponent(m[1]));
  return kind ? { kind, hrefs } : undefined;
}

/** A calendar resource as Radicale holds it. */
export interface DavResource {
  /** Path of the `.ics` resource. */
  href: string;
  /** File name less `.ics`: the CalDAV adapter's event id. */
  name: string;
  etag: string;
  /** The iCalendar text, lines unfolded. */
  ics: string;
}

const READS = new Set(["GET", "HEAD", "PROPFIND", "REPORT", "OPTIONS"]);

export interface CalDavWorld {
  radicale: RadicaleServer;
  user: RadicaleUser;
  database: TestDatabase;
  supervisor: Supervisor;
  /** Every request the engine's CalDAV adapter sent, in order. */
  requests: DavRequest[];
  /** The engine's writes so far (PUT, DELETE, MKCOL, MKCALENDAR, PROPPATCH...). */
  writeCount(): number;
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates settings, a type, a CalDAV operator and a binding through the API; returns their ids and the calendar's path. */
  setUp(options?: { conflictPolicy?: string }): Promise<{ typeId: string; operatorId: string; bindingId: string; calendarPath: string }>;
  /** The calendar's resources, read by raw HTTP. */
  resources(calendarPath: string): Promise<DavResource[]>;
  /** PUTs a resource as another client would; `ifMatch` makes it conditional. */
  put(calendarPath: string, name: string, ics: string, ifMatch?: string): Promise<void>;
  /** DELETEs a resource as another client would. */
  remove(calendarPath: string, name: string): Promise<void>;
  /** Runs a command on an actor and waits until it is idle again. */
  syncNow(bindingId: string, command?: "sync" | "resync"): Promise<void>;
  waitForState(bindingId: string, state: ActorState): Promise<void>;
  settle(bindingId: string): Promise<void>;
  /** Stops the engine, leaving the database and Radicale as they are (a crash, as far as the calendar is concerned). */
  stopEngine(): Promise<void>;
  /** A new Supervisor (and API) on the same database, as after a restart of the service. */
  startEngine(): Promise<void>;
  close(): Promise<void>;
}

/** VCALENDAR text from lines, CRLF-terminated, as a phone's calendar app would send it. */
export const ics = (...lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//phone//EN", ...lines, "END:VCALENDAR", ""].join("\r\n");

/** `2030-01-02T10:00:00.000Z` → `20300102T100000Z`. */
export const icalUtc = (iso: string) => new Date(iso).toISOString().replace(/[-:]|\.\d{3}/g, "");

/** Escapes TEXT for an iCalendar property value. */
export const icalText = (value: string) => value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\n/g, "\\n");

/** Replaces a property line of the (unfolded) iCalendar text, keeping its parameters. */
export const withProperty = (text: string, name: string, value: string) =>
  text.replace(new RegExp(`^(${name}(?:;[^:\\r\\n]*)?):.*$`, "m"), (_, head: string) => `${head}:${icalText(value)}`);

/** The value of the first `name` property of the first VEVENT (unescaped TEXT). */
export function icalProperty(ics: string, name: string): string | undefined {
  const match = new RegExp(`^${name}(?:;[^:\\r\\n]*)?:(.*)$`, "im").exec(ics);
  return match?.[1].replace(/\\n/gi, "\n").replace(/\\([,;\\])/g, "$1");
}

const xmlText = (value: string) =>
  value
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

/**
 * Starts the world on `radicale` (shared by a test file; each world takes a
 * fresh user, so calendars never mix) or on a Radicale of its own.
 */
export async function startCalDavWorld(shared?: RadicaleServer): Promise<CalDavWorld> {
  const radicale = shared ?? (await startRadicale());
  const user = await radicale.addUser();
  const database = await openTestDatabase();
  const secrets = new SecretBox("caldav-world-key");
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const requests: DavRequest[] = [];
  const countingFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    requests.push({
      method,
      path: decodeURIComponent(url.pathname),
      ...(method === "REPORT" ? { report: reportOf(init?.body) } : {}),
    });
    return fetch(input, init);
  };
  // Radicale listens on plain http on loopback: the API and the adapter both allow it here.
  const providers = new ProviderRegistry();
  providers.register(caldavProvider({ timeoutMs: 5_000, fetch: countingFetch, allowHttp: true, allowedHosts: [] }));
  const newEngine = () => {
    const supervisor = new Supervisor({ database, providers, secrets, logger, backoffBaseMs: 20, backoffMaxMs: 200, reconcileDelayMs: 10 });
    const app = createApp({ database, secrets, adminToken: ADMIN, logger, engine: supervisor, providers });
    return { supervisor, app };
  };
  let engine = newEngine();
  await engine.supervisor.start();
  let engineRunning = true;

  const davOk = async (response: Response, what: string) => {
    expect(response.status, `${what}: ${await response.clone().text()}`).toBeLessThan(300);
  };

  const world: CalDavWorld = {
    radicale,
    user,
    database,
    get supervisor() {
      return engine.supervisor;
    },
    requests,
    writeCount: () => requests.filter((r) => !READS.has(r.method)).length,
    call: jsonClient((path, init) => engine.app.request(path, init), ADMIN),
    async setUp(options = {}) {
      ok(await world.call("PATCH", "/api/settings", { pollIntervalSeconds: 3600, conflictPolicy: options.conflictPolicy ?? "latest-wins" }));
      const type = ok(
        await world.call("POST", "/api/event-types", {
          name: "Meeting",
          googleSync: true,
          display: { fields: ["number", "customer"], features: ["Budget"] },
        }),
      );
      const operator = ok(
        await world.call("POST", "/api/operators", {
          name: "Anna",
          googleEnabled: true,
          useConfigToken: false,
          provider: "caldav",
          caldav: { url: radicale.url, username: user.username, password: user.password },
        }),
      );
      expect(operator).toMatchObject({ provider: "caldav", caldav: { url: radicale.url, username: user.username, passwordSet: true } });
      expect(JSON.stringify(operator)).not.toContain(user.password);
      const [binding] = ok(
        await world.call("PUT", `/api/operators/${operator.id}/calendars`, [{ eventTypeId: type.id, calendarName: CALENDAR_NAME }]),
      );
      await world.waitForState(binding.bindingId, "incremental");
      await world.settle(binding.bindingId);
      const calendarPath = await findCalendar(CALENDAR_NAME);
      return { typeId: type.id, operatorId: operator.id, bindingId: binding.bindingId, calendarPath };
    },
    async resources(calendarPath) {
      const listing = await radicale.request("PROPFIND", calendarPath, {
        user,
        headers: { Depth: "1", "Content-Type": "application/xml; charset=utf-8" },
        body: `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`,
      });
      expect(listing.status).toBe(207);
      const hrefs = [...(await listing.text()).matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)]
        .map((m) => decodeURIComponent(xmlText(m[1])))
        .filter((href) => href.endsWith(".ics"));
      const found: DavResource[] = [];
      for (const href of hrefs.sort()) {
        const response = await radicale.request("GET", href, { user });
        expect(response.status).toBe(200);
        const name = href.slice(href.lastIndexOf("/") + 1, -".ics".length);
        found.push({ href, name, etag: response.headers.get("etag") ?? "", ics: (await response.text()).replace(/\r\n[ \t]/g, "") });
      }
      return found;
    },
    async put(calendarPath, name, body, ifMatch) {
      const response = await radicale.request("PUT", `${calendarPath}${encodeURIComponent(name)}.ics`, {
        user,
        body,
        headers: { "Content-Type": "text/calendar; charset=utf-8", ...(ifMatch ? { "If-Match": ifMatch } : {}) },
      });
      await davOk(response, `PUT ${name}.ics`);
    },
    async remove(calendarPath, name) {
      await davOk(await radicale.request("DELETE", `${calendarPath}${encodeURIComponent(name)}.ics`, { user }), `DELETE ${name}.ics`);
    },
    async syncNow(bindingId, command = "sync") {
      // The actor leaves idle as the command arrives (XState transitions synchronously): wait for it to come back.
      expect((await world.call("POST", `/api/actors/${bindingId}/${command}`)).status).toBe(202);
      await world.settle(bindingId);
    },
    async waitForState(bindingId, state) {
      await expect.poll(async () => (await world.call("GET", `/api/actors/${bindingId}`)).body?.state, { timeout: 15_000 }).toBe(state);
    },
    async settle(bindingId) {
      await expect.poll(() => engine.supervisor.actorStatus(bindingId)?.idle ?? false, { timeout: 15_000 }).toBe(true);
    },
    async stopEngine() {
      if (!engineRunning) return;
      engineRunning = false;
      await engine.supervisor.stop();
    },
    async startEngine() {
      await world.stopEngine();
      engine = newEngine();
      await engine.supervisor.start();
      engineRunning = true;
    },
    async close() {
      await world.stopEngine();
      await database.close();
      if (!shared) await radicale.stop();
    },
  };

  /** The calendar collection with this display name in the user's home, by raw PROPFIND. */
  async function findCalendar(name: string): Promise<string> {
    const response = await radicale.request("PROPFIND", `/${encodeURIComponent(user.username)}/`, {
      user,
      headers: { Depth: "1", "Content-Type": "application/xml; charset=utf-8" },
      body: `<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>`,
    });
    expect(response.status).toBe(207);
    const paths: string[] = [];
    for (const [, block] of (await response.text()).matchAll(/<(?:\w+:)?response>([\s\S]*?)<\/(?:\w+:)?response>/g)) {
      const href = /<(?:\w+:)?href>([^<]+)</.exec(block)?.[1];
      const displayName = /<(?:\w+:)?displayname>([^<]*)</.exec(block)?.[1];
      if (href && displayName !== undefined && xmlText(displayName) === name) paths.push(decodeURIComponent(xmlText(href)));
    }
    expect(paths, `calendars named ${name}`).toHaveLength(1);
    return paths[0];
  }

  return world;
}
