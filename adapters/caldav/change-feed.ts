// Which resources of a collection changed since a token. Two ways:
//  - RFC 6578 sync-collection, the server keeping the state behind its token;
//  - for servers without it, a CTag check then an ETag scan, the state
//    (each resource's ETag digest) travelling inside our own token. That token
//    grows with the calendar (tens of bytes per event, compressed), but it is
//    the only way to report deletions without keeping state in the adapter.
import { createHash } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { type ChangeQuery, SyncTokenExpired } from "../types.js";
import { DAV_NAMESPACES, type DavClient, text } from "./dav-client.js";
import { parseEtagListing } from "./etag-listing.js";

export interface ChangedResource {
  resourceId: string;
  etag: string;
  ics: string;
}

export interface ResourceChanges {
  changed: ChangedResource[];
  deletedIds: string[];
  /** Listed resources whose ETag the caller already holds: not fetched. */
  unchangedIds: string[];
  nextPageToken?: string;
  syncToken?: string;
}

export type SyncStrategy = "sync-collection" | "etag-scan";

const SYNC_PREFIX = "sync:";
const SYNC_PAGE_PREFIX = "syncpage:";
const SCAN_PREFIX = "etags:";
const MULTIGET_BATCH = 100;

/** The resource id of an item (`<id>.ics`) at `url` (an href the client resolved); undefined for the collection itself. */
export function resourceIdOf(collection: URL, url: URL): string | undefined {
  const path = url.pathname;
  if (!path.startsWith(collection.pathname) || path.length <= collection.pathname.length) return undefined;
  const name = decodeURIComponent(path.slice(collection.pathname.length).replace(/\/$/, ""));
  return name.endsWith(".ics") ? name.slice(0, -4) : name;
}

export function resourceUrl(collection: URL, resourceId: string): URL {
  return new URL(`${encodeURIComponent(resourceId)}.ics`, collection);
}

export function strategyOfToken(token: string): SyncStrategy {
  if (token.startsWith(SYNC_PREFIX) || token.startsWith(SYNC_PAGE_PREFIX)) return "sync-collection";
  if (token.startsWith(SCAN_PREFIX)) return "etag-scan";
  throw new SyncTokenExpired("unrecognised CalDAV sync token");
}

type KnownEtags = ChangeQuery["knownEtags"];

/**
 * Splits listed resources (id → ETag) into those to fetch and those the
 * caller already holds at that ETag (its own writes coming back): the listing
 * carries ETags, so only unknown or changed resources cost a multiget.
 */
async function withoutKnown(listed: ReadonlyMap<string, string>, known: KnownEtags): Promise<{ fetch: string[]; unchanged: string[] }> {
  const ids = [...listed.keys()];
  if (!known || ids.length === 0) return { fetch: ids, unchanged: [] };
  const held = await known(ids);
  const fetch: string[] = [];
  const unchanged: string[] = [];
  for (const [id, etag] of listed) (held.get(id) === etag ? unchanged : fetch).push(id);
  return { fetch, unchanged };
}

const calendarDataProps = { "d:getetag": {}, "c:calendar-data": {} };

/** Data and ETags of the resources at `hrefs` (paths), by calendar-multiget. */
async function multiget(client: DavClient, collection: URL, allHrefs: string[]): Promise<ChangedResource[]> {
  const found: ChangedResource[] = [];
  for (let i = 0; i < allHrefs.length; i += MULTIGET_BATCH) {
    const hrefs = allHrefs.slice(i, i + MULTIGET_BATCH);
    const responses = await client.xml(
      "REPORT",
      collection,
      { "c:calendar-multiget": { _attributes: DAV_NAMESPACES, "d:prop": calendarDataProps, "d:href": hrefs } },
      { depth: "1" },
    );
    for (const response of responses) {
      const resourceId = response.href && resourceIdOf(collection, client.resolve(response.href));
      const etag = text(response.props?.getetag);
      const ics = text(response.props?.calendarData);
      if (resourceId && etag && ics && response.ok) found.push({ resourceId, etag, ics });
    }
  }
  return found;
}

const escapeXml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A sync-collection REPORT asking for ETags only; the answer is read by parseEtagListing. */
function syncCollectionBody(since: string): string {
  const token = since ? `<d:sync-token>${escapeXml(since)}</d:sync-token>` : "<d:sync-token/>";
  return (
    `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:">${token}` +
    "<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"
  );
}

/**
 * Where a paged sync-collection listing stands: the token it lists changes
 * since, the token to hand out when it is done (the one the server gave with
 * the first page: anything changed later is listed again next time, never
 * lost), and the last href served (the listing is read in href order).
 */
interface SyncPage {
  since: string;
  next?: string;
  after?: string;
}

function encodePage(page: SyncPage): string {
  return SYNC_PAGE_PREFIX + Buffer.from(JSON.stringify(page)).toString("base64url");
}

function decodePage(token: string): SyncPage {
  try {
    const page = JSON.parse(Buffer.from(token.slice(SYNC_PAGE_PREFIX.length), "base64url").toString());
    if (typeof page?.since === "string") return page as SyncPage;
  } catch {
    // fall through: not a page token of ours
  }
  throw new SyncTokenExpired("unreadable CalDAV page token");
}

/**
 * One page of changes by sync-collection (RFC 6578): the REPORT lists hrefs
 * and ETags only, and the page's share of them is fetched by multiget, so a
 * page costs the same however large the calendar is; resources the caller
 * holds at the listed ETag (`known`) are named, not fetched.
 */
export async function syncCollectionChanges(
  client: DavClient,
  collection: URL,
  pageSize: number,
  token?: string,
  known?: KnownEtags,
): Promise<ResourceChanges> {
  const state: SyncPage = !token
    ? { since: "" }
    : token.startsWith(SYNC_PAGE_PREFIX)
      ? decodePage(token)
      : { since: token.slice(SYNC_PREFIX.length) };
  const answer = await client.send("REPORT", collection, {
    headers: { Depth: "0", "Content-Type": "application/xml; charset=utf-8" },
    body: syncCollectionBody(state.since),
  });
  const listing = parseEtagListing(await answer.text());
  const serverToken = listing.syncToken;
  if (!serverToken) throw new SyncTokenExpired("the server gave no sync token");
  const next = state.next ?? serverToken;

  let truncated = false;
  const listed: { href: string; resourceId: string; gone: boolean; etag?: string }[] = [];
  for (const entry of listing.entries) {
    const url = client.resolve(entry.href);
    const resourceId = resourceIdOf(collection, url);
    // RFC 6578 §3.6: a 507 on the collection itself means the server cut the list short.
    if (!resourceId) truncated ||= entry.status === 507;
    else listed.push({ href: url.pathname, resourceId, gone: entry.status === 404, etag: entry.etag });
  }
  listed.sort((a, b) => (a.href < b.href ? -1 : a.href > b.href ? 1 : 0));
  const remaining = listed.filter((entry) => state.after === undefined || entry.href > state.after);

  // A page holds up to pageSize resources to fetch or delete; those the caller holds unchanged cost nothing and
  // ride along, so taskcal's own writes coming back do not cost a REPORT per page. Their ETags are looked up ahead of
  // serving, a page's worth first, then as many as were looked up so far: a first import of someone else's calendar
  // looks up no more than a page, a calendar of taskcal's own 10,000 writes takes 6 look-ups instead of 40. A cut-short
  // list is served whole, then listed on from the token that came with it.
  let served = 0;
  let checked = 0;
  const held = new Set<string>();
  const toFetch: { id: string; href: string }[] = [];
  const unchangedIds: string[] = [];
  const deletedIds: string[] = [];
  while (served < remaining.length && (truncated || toFetch.length + deletedIds.length < pageSize)) {
    if (served === checked) {
      const batch = remaining.slice(checked, truncated ? remaining.length : checked + Math.max(pageSize, checked));
      // An entry without an ETag (a server that leaves it out) is always fetched: the empty string matches nothing held.
      const live = new Map(batch.filter((e) => !e.gone).map((e) => [e.resourceId, e.etag ?? ""]));
      for (const id of (await withoutKnown(live, known)).unchanged) held.add(id);
      checked += batch.length;
    }
    const entry = remaining[served++];
    if (entry.gone) deletedIds.push(entry.resourceId);
    else if (held.has(entry.resourceId)) unchangedIds.push(entry.resourceId);
    else toFetch.push({ id: entry.resourceId, href: entry.href });
  }
  const changes: ResourceChanges = {
    changed: await multiget(
      client,
      collection,
      toFetch.map((e) => e.href),
    ),
    deletedIds,
    unchangedIds,
  };
  if (truncated) changes.nextPageToken = encodePage({ since: serverToken });
  else if (served < remaining.length) {
    changes.nextPageToken = encodePage({ since: state.since, next, after: remaining[served - 1].href });
  } else changes.syncToken = SYNC_PREFIX + next;
  return changes;
}

interface ScanState {
  /** The collection's CTag when the token was made (null: the server has none). */
  c: string | null;
  /** Resource id → digest of its ETag. */
  e: Record<string, string>;
}

function digest(etag: string): string {
  return createHash("sha256").update(etag).digest("base64url").slice(0, 12);
}

function encodeScan(state: ScanState): string {
  return SCAN_PREFIX + deflateRawSync(JSON.stringify(state)).toString("base64url");
}

function decodeScan(token: string): ScanState {
  try {
    const state = JSON.parse(inflateRawSync(Buffer.from(token.slice(SCAN_PREFIX.length), "base64url")).toString());
    if (typeof state?.e === "object" && state.e !== null) return state as ScanState;
  } catch {
    // fall through: not a token of ours
  }
  throw new SyncTokenExpired("unreadable CalDAV sync token");
}

/** The collection's state now, and where each resource lives. */
async function scan(client: DavClient, collection: URL): Promise<{ state: ScanState; hrefs: Map<string, string>; etags: Map<string, string> }> {
  const responses = await client.xml(
    "PROPFIND",
    collection,
    { "d:propfind": { _attributes: DAV_NAMESPACES, "d:prop": { "d:getetag": {}, "cs:getctag": {}, "d:resourcetype": {} } } },
    { depth: "1" },
  );
  const state: ScanState = { c: null, e: {} };
  const hrefs = new Map<string, string>();
  const etags = new Map<string, string>();
  for (const response of responses) {
    if (!response.href || !response.ok) continue;
    const url = client.resolve(response.href);
    const resourceId = resourceIdOf(collection, url);
    const etag = text(response.props?.getetag);
    if (!resourceId) state.c = text(response.props?.getctag) ?? null;
    else if (etag && response.props?.resourcetype?.collection === undefined) {
      state.e[resourceId] = digest(etag);
      hrefs.set(resourceId, url.pathname);
      etags.set(resourceId, etag);
    }
  }
  return { state, hrefs, etags };
}

export async function etagScanChanges(client: DavClient, collection: URL, token?: string, known?: KnownEtags): Promise<ResourceChanges> {
  const before = token ? decodeScan(token) : undefined;
  if (before?.c) {
    const [response] = await client.xml(
      "PROPFIND",
      collection,
      { "d:propfind": { _attributes: DAV_NAMESPACES, "d:prop": { "cs:getctag": {} } } },
      { depth: "0" },
    );
    if (text(response?.props?.getctag) === before.c) return { changed: [], deletedIds: [], unchangedIds: [], syncToken: token };
  }
  const { state, hrefs, etags } = await scan(client, collection);
  const changedIds = Object.keys(state.e).filter((id) => before?.e[id] !== state.e[id]);
  const deletedIds = Object.keys(before?.e ?? {}).filter((id) => !(id in state.e));
  const { fetch, unchanged } = await withoutKnown(new Map(changedIds.map((id) => [id, etags.get(id)!])), known);
  const changed = await multiget(
    client,
    collection,
    fetch.map((id) => hrefs.get(id)!),
  );
  return { changed, deletedIds, unchangedIds: unchanged, syncToken: encodeScan(state) };
}
