// The answer to a sync-collection REPORT that asks for ETags only, read
// without building an object tree: the hrefs, their statuses and ETags, and
// the new token. It is the one answer that grows with the calendar (every
// resource changed since the token, taskcal's own writes included), and the
// general XML reader (tsdav's, on xml-js) costs tens of milliseconds per
// thousand entries, more while the process is cold. Element names are matched
// whatever their namespace prefix; text is unescaped (entities, CDATA).

export interface ListedEntry {
  href: string;
  /** The status of the response itself (404: removed; 507 on the collection: list cut short); undefined when only its propstats carry one. */
  status?: number;
  /** From a propstat that answered 200; undefined when the server gave none. */
  etag?: string;
}

export interface EtagListing {
  entries: ListedEntry[];
  syncToken?: string;
}

const NAME = "(?:[\\w.-]+:)?";

/** Elements `name` (any prefix) and their inner text, in document order. */
/** Compiled once per element name: a listing asks for the same few names thousands of times. */
const patterns = new Map<string, RegExp>();

function pattern(name: string): RegExp {
  let compiled = patterns.get(name);
  if (!compiled) patterns.set(name, (compiled = new RegExp(`<(${NAME})${name}(?:\\s[^>]*)?>([\\s\\S]*?)</\\1${name}\\s*>`, "g")));
  return compiled;
}

function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(pattern(name))].map((match) => match[2]);
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function textOf(inner: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(inner);
  if (cdata) return cdata[1];
  return inner
    .trim()
    .replace(/&(?:#x([\da-f]+)|#(\d+)|(\w+));/gi, (whole, hex: string, dec: string, name: string) =>
      hex ? String.fromCodePoint(Number.parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : (ENTITIES[name] ?? whole),
    );
}

function statusCode(line: string): number | undefined {
  const code = /^\S+\s+(\d{3})/.exec(textOf(line))?.[1];
  return code ? Number(code) : undefined;
}

export function parseEtagListing(xml: string): EtagListing {
  const entries: ListedEntry[] = [];
  for (const response of elements(xml, "response")) {
    const [href] = elements(response, "href");
    if (href === undefined) continue;
    const propstats = elements(response, "propstat");
    // The response's own status is the one outside its propstats.
    let own = response;
    for (const propstat of propstats) own = own.replace(propstat, "");
    const [status] = elements(own, "status");
    const entry: ListedEntry = { href: textOf(href) };
    if (status !== undefined) entry.status = statusCode(status);
    for (const propstat of propstats) {
      const [line] = elements(propstat, "status");
      const [etag] = elements(propstat, "getetag");
      if (etag !== undefined && (line === undefined || statusCode(line) === 200) && textOf(etag)) entry.etag = textOf(etag);
    }
    entries.push(entry);
  }
  // The listing's token is the multistatus's own (before or after the responses), not one inside a response.
  const [token] = elements(xml.replace(pattern("response"), ""), "sync-token");
  return token === undefined ? { entries } : { entries, syncToken: textOf(token) };
}
