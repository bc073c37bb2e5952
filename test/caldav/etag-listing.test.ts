// The lean reader of sync-collection answers, on the shapes servers send:
// any namespace prefix (or none), the token before or after the responses,
// escaped hrefs, removed members, and ETags only from propstats that answered 200.
import { describe, expect, it } from "vitest";
import { parseEtagListing } from "../../adapters/caldav/etag-listing.js";

describe("sync-collection ETag listing", () => {
  it("reads Radicale's shape: default namespace, the token first", () => {
    const xml =
      `<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:"><sync-token>http://radicale.org/ns/sync/abc</sync-token>` +
      `<response><href>/alice/c/a%20b.ics</href><propstat><prop><getetag>"e1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>` +
      `<response><href>/alice/c/gone.ics</href><status>HTTP/1.1 404 Not Found</status></response></multistatus>`;
    expect(parseEtagListing(xml)).toEqual({
      syncToken: "http://radicale.org/ns/sync/abc",
      entries: [
        { href: "/alice/c/a%20b.ics", etag: '"e1"' },
        { href: "/alice/c/gone.ics", status: 404 },
      ],
    });
  });

  it("reads prefixed names, escaped text and CDATA, the token last, and ignores an ETag in a 404 propstat", () => {
    const xml =
      `<D:multistatus xmlns:D="DAV:">` +
      `<D:response><D:href>/cal/x&amp;y.ics</D:href><D:propstat><D:prop><D:getetag>&quot;e&#50;&quot;</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>` +
      `<D:response><D:href><![CDATA[/cal/z.ics]]></D:href><D:propstat><D:prop><D:getetag>"stale"</D:getetag></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat></D:response>` +
      `<D:response><D:href>/cal/</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>` +
      `<D:sync-token>tok-2</D:sync-token></D:multistatus>`;
    expect(parseEtagListing(xml)).toEqual({
      syncToken: "tok-2",
      entries: [{ href: "/cal/x&y.ics", etag: '"e2"' }, { href: "/cal/z.ics" }, { href: "/cal/", status: 507 }],
    });
  });

  it("gives no token when the answer has none", () => {
    expect(parseEtagListing(`<d:multistatus xmlns:d="DAV:"></d:multistatus>`)).toEqual({ entries: [] });
  });
});
