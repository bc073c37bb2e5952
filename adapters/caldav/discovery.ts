// Where an account's calendars live (RFC 4791 §6, RFC 5397), and finding or
// making one by display name.
import { randomUUID } from "node:crypto";
import { type CalendarRef, Permanent } from "../types.js";
import { DAV_NAMESPACES, type DavClient, hrefsOf, text } from "./dav-client.js";

async function propOf(client: DavClient, url: URL, prop: object, key: string): Promise<unknown> {
  const [response] = await client.xml("PROPFIND", url, { "d:propfind": { _attributes: DAV_NAMESPACES, "d:prop": prop } }, { depth: "0" });
  return response?.props?.[key];
}

/** The principal URL of the authenticated user: the account's stable identity. */
export async function discoverPrincipal(client: DavClient): Promise<URL> {
  const [href] = hrefsOf(await propOf(client, client.root, { "d:current-user-principal": {} }, "currentUserPrincipal"));
  if (!href) throw new Permanent(`no current-user-principal at ${client.root.pathname}: is this the CalDAV address?`);
  return client.resolve(href);
}

export async function discoverCalendarHome(client: DavClient, principal: URL): Promise<URL> {
  const [href] = hrefsOf(await propOf(client, principal, { "c:calendar-home-set": {} }, "calendarHomeSet"));
  if (!href) throw new Permanent(`the principal ${principal.pathname} has no calendar-home-set`);
  return client.resolve(href);
}

/** Every calendar in the home, by path, with its display name. */
export async function listCalendars(client: DavClient, home: URL): Promise<CalendarRef[]> {
  const responses = await client.xml(
    "PROPFIND",
    home,
    { "d:propfind": { _attributes: DAV_NAMESPACES, "d:prop": { "d:resourcetype": {}, "d:displayname": {} } } },
    { depth: "1" },
  );
  return responses
    .filter((response) => response.href && response.props?.resourcetype?.calendar !== undefined)
    .map((response) => ({ id: client.resolve(response.href!).pathname, name: text(response.props?.displayname) ?? "", created: false }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The calendar of that display name in the home; the first by path when several have it. */
export async function findCalendar(client: DavClient, home: URL, name: string): Promise<CalendarRef | null> {
  const match = (await listCalendars(client, home)).find((calendar) => calendar.name === name);
  return match ? { id: match.id, name, created: false } : null;
}

export async function findOrCreateCalendar(client: DavClient, home: URL, name: string): Promise<CalendarRef> {
  const found = await findCalendar(client, home, name);
  if (found) return found;
  const url = new URL(`${randomUUID()}/`, home.href.endsWith("/") ? home : `${home.href}/`);
  await client.xml("MKCALENDAR", url, {
    "c:mkcalendar": {
      _attributes: DAV_NAMESPACES,
      "d:set": {
        "d:prop": {
          "d:displayname": name,
          "c:supported-calendar-component-set": { "c:comp": { _attributes: { name: "VEVENT" } } },
        },
      },
    },
  });
  return { id: url.pathname, name, created: true };
}

/** Whether the collection offers RFC 6578 sync-collection. */
export async function supportsSyncCollection(client: DavClient, collection: URL): Promise<boolean> {
  const [response] = await client.xml(
    "PROPFIND",
    collection,
    { "d:propfind": { _attributes: DAV_NAMESPACES, "d:prop": { "d:supported-report-set": {}, "d:sync-token": {} } } },
    { depth: "0" },
  );
  if (text(response?.props?.syncToken)) return true;
  return JSON.stringify(response?.props?.supportedReportSet ?? {}).includes("syncCollection");
}
