import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { MICROSOFT_SCOPES } from "../../adapters/microsoft/definition.js";
import { createMicrosoftAdapterFactory, type MicrosoftAccountCredentials, type MicrosoftAdapterOptions } from "../../adapters/microsoft/index.js";
import type { CalendarAdapter, EventData, EventTime } from "../../adapters/types.js";
import type { FakeGraph } from "../../testkit/fake-graph/server.js";

/** As Outlook names the zones the tests use. */
const WINDOWS_NAMES: Record<string, string> = { "Europe/Warsaw": "Central European Standard Time" };

function outlookTime(time: EventTime): { dateTime: string; timeZone: string } {
  if ("date" in time) return { dateTime: `${time.date}T00:00:00`, timeZone: "UTC" };
  const zone = time.timeZone ?? "UTC";
  return {
    dateTime: DateTime.fromISO(time.dateTime, { setZone: true }).setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm:ss"),
    timeZone: WINDOWS_NAMES[zone] ?? zone,
  };
}

/** EventData as a user would type it into Outlook: the fake's resource shape. */
export function outlookEvent(data: Partial<EventData>): Record<string, unknown> {
  return {
    ...(data.summary !== undefined ? { subject: data.summary } : {}),
    ...(data.description !== undefined ? { body: { contentType: "text", content: data.description } } : {}),
    ...(data.location !== undefined ? { location: { displayName: data.location } } : {}),
    ...(data.start ? { start: outlookTime(data.start), isAllDay: "date" in data.start } : {}),
    ...(data.end ? { end: outlookTime(data.end) } : {}),
  };
}

export interface MicrosoftTestAccount {
  email: string;
  credentials: MicrosoftAccountCredentials;
  adapter: CalendarAdapter;
}

/** A fresh mailbox on the fake and an adapter for it, from a factory of its own unless one is given. */
export function microsoftAccount(
  graph: FakeGraph,
  options: MicrosoftAdapterOptions = {},
  factory = createMicrosoftAdapterFactory({ retry: { baseDelayMs: 10 }, ...options }),
): MicrosoftTestAccount {
  const email = `${randomUUID().slice(0, 8)}@contoso.example`;
  const credentials: MicrosoftAccountCredentials = {
    graphUrl: graph.graphUrl,
    tokenUrl: graph.tokenUrl,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    refreshToken: graph.addAccount(email),
    scopes: MICROSOFT_SCOPES,
    requestsPerMinute: 600_000,
  };
  return { email, credentials, adapter: factory(credentials) };
}
