// Server answers Radicale will not give on demand (rate limits, outages,
// hangs, truncated sync reports), played by a stub fetch.
import { describe, expect, it } from "vitest";
import { createCalDavAdapterFactory } from "../../adapters/caldav/index.js";

const credentials = { provider: "caldav", serverUrl: "https://dav.example.com/", username: "anna", password: "s3cret-Pa55" } as const;

function adapterAnswering(answer: () => Response | Promise<Response>, timeoutMs = 1_000) {
  const fetch = async (_input: unknown, init?: RequestInit) => {
    // A hung server still gives way to the timeout signal.
    const aborted = new Promise<never>((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
    return Promise.race([answer(), aborted]);
  };
  return createCalDavAdapterFactory({ fetch: fetch as typeof globalThis.fetch, timeoutMs })(credentials);
}

describe("CalDAV error mapping", () => {
  it("R16: 429 with Retry-After is a rate limit with the server's delay", async () => {
    const adapter = adapterAnswering(() => new Response("slow down", { status: 429, headers: { "Retry-After": "7" } }));
    await expect(adapter.accountId()).rejects.toMatchObject({ code: "RateLimited", retryAfterMs: 7_000, retryable: true });
  });

  it("R16: 503 with Retry-After is a rate limit; without, a transient outage like any 5xx", async () => {
    const limited = adapterAnswering(() => new Response("", { status: 503, headers: { "Retry-After": "2" } }));
    await expect(limited.accountId()).rejects.toMatchObject({ code: "RateLimited", retryAfterMs: 2_000 });
    const down = adapterAnswering(() => new Response("", { status: 503 }));
    await expect(down.accountId()).rejects.toMatchObject({ code: "Transient", status: 503 });
    const broken = adapterAnswering(() => new Response("", { status: 500 }));
    await expect(broken.accountId()).rejects.toMatchObject({ code: "Transient", status: 500 });
  });

  it("R16: a server that does not answer in time is transient", async () => {
    const adapter = adapterAnswering(() => new Promise<Response>(() => {}), 50);
    await expect(adapter.accountId()).rejects.toMatchObject({ code: "Transient", message: expect.stringContaining("timed out") });
  });

  it("R16: a sync token refused with 409 valid-sync-token asks for a fresh import", async () => {
    const adapter = adapterAnswering(
      () =>
        new Response('<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>', {
          status: 409,
          headers: { "Content-Type": "application/xml" },
        }),
    );
    await expect(adapter.listChanges("/cal/", { syncToken: "sync:opaque" })).rejects.toMatchObject({ code: "SyncTokenExpired" });
  });
});

describe("CalDAV sync-collection paging", () => {
  const multistatus = (body: string) =>
    new Response(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${body}</d:multistatus>`, {
      status: 207,
      headers: { "Content-Type": "application/xml" },
    });
  const listed = (name: string) =>
    `<d:response><d:href>/cal/${name}.ics</d:href><d:propstat><d:prop><d:getetag>"${name}-1"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
  const withData = (name: string) =>
    `<d:response><d:href>/cal/${name}.ics</d:href><d:propstat><d:prop><d:getetag>"${name}-1"</d:getetag>` +
    `<c:calendar-data>BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;\nBEGIN:VEVENT&#13;\nUID:${name}&#13;\nDTSTART:20250101T100000Z&#13;\nDTEND:20250101T110000Z&#13;\nSUMMARY:${name}&#13;\nEND:VEVENT&#13;\nEND:VCALENDAR</c:calendar-data>` +
    `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;

  it("continues a listing the server truncated (RFC 6578 507) from the token it gave", async () => {
    const sentTokens: string[] = [];
    const fetch = async (_input: unknown, init?: RequestInit) => {
      const body = String(init?.body);
      if (body.includes("calendar-multiget")) {
        return multistatus([...body.matchAll(/\/cal\/(\w+)\.ics/g)].map((m) => withData(m[1])).join(""));
      }
      sentTokens.push(/<d:sync-token>([^<]*)<\/d:sync-token>|<d:sync-token\/>/.exec(body)?.[1] ?? "");
      return sentTokens.length === 1
        ? multistatus(
            `${listed("a")}<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>mid</d:sync-token>`,
          )
        : multistatus(
            `${listed("b")}<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response><d:sync-token>end</d:sync-token>`,
          );
    };
    const adapter = createCalDavAdapterFactory({ fetch, syncStrategy: "sync-collection" })(credentials);

    const first = await adapter.listChanges("/cal/", {});
    expect(first).toMatchObject({ events: [{ id: "a", summary: "a" }], deletedIds: [] });
    expect(first.nextPageToken).toBeTruthy();
    expect(first.syncToken).toBeUndefined();
    const second = await adapter.listChanges("/cal/", { pageToken: first.nextPageToken });
    expect(second).toMatchObject({ events: [{ id: "b", etag: '"b-1"' }], deletedIds: ["gone"], syncToken: "sync:end" });
    expect(sentTokens).toEqual(["", "mid"]);
  });

  it("R20: a resource that is not iCalendar is reported as unreadable, beside the events of the page", async () => {
    const garbage =
      `<d:response><d:href>/cal/broken.ics</d:href><d:propstat><d:prop><d:getetag>"broken-1"</d:getetag>` +
      `<c:calendar-data>this is not a calendar</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
    const fetch = async (_input: unknown, init?: RequestInit) => {
      const body = String(init?.body);
      if (body.includes("calendar-multiget")) return multistatus(`${withData("fine")}${garbage}`);
      return multistatus(`${listed("fine")}${listed("broken")}<d:sync-token>end</d:sync-token>`);
    };
    const adapter = createCalDavAdapterFactory({ fetch, syncStrategy: "sync-collection" })(credentials);
    const page = await adapter.listChanges("/cal/", {});
    expect(page.events.map((e) => e.id)).toEqual(["fine"]);
    expect(page.unreadable).toEqual([{ id: "broken", message: expect.stringContaining("unreadable calendar resource") }]);
    expect(page.syncToken).toBe("sync:end");
  });
});
