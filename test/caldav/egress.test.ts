// Where the CalDAV adapter sends requests (and the operator's password): https
// only, redirects and hrefs kept to the server's own domain or the allow-list,
// and network failures reported by kind. Servers are played by a stub fetch
// that records every request, except where a real socket matters.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CalDavAdapterOptions, createCalDavAdapterFactory } from "../../adapters/caldav/index.js";
import { freePort } from "../../testkit/ports.js";

const PASSWORD = "s3cret-Pa55";
const credentials = (serverUrl: string) => ({ provider: "caldav", serverUrl, username: "anna", password: PASSWORD }) as const;
const basic = `Basic ${Buffer.from(`anna:${PASSWORD}`).toString("base64")}`;

interface Sent {
  url: string;
  method: string;
  body: string;
  authorization: string;
}

const multistatus = (responses: string) =>
  new Response(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">${responses}</d:multistatus>`, {
    status: 207,
    headers: { "Content-Type": "application/xml" },
  });

const prop = (href: string, props: string) =>
  `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;

const principalAnswer = (principal: string) =>
  multistatus(prop("/", `<d:current-user-principal><d:href>${principal}</d:href></d:current-user-principal>`));

const redirect = (location: string, status = 301) => new Response(null, { status, headers: { Location: location } });

/** An adapter whose server is `answer`; `sent` lists every request it made, in order. */
function adapterAt(serverUrl: string, answer: (url: URL, method: string) => Response, options: CalDavAdapterOptions = {}) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const headers = init?.headers as Record<string, string>;
    sent.push({ url: url.href, method, body: String(init?.body ?? ""), authorization: headers.Authorization });
    return answer(url, method);
  };
  const adapter = createCalDavAdapterFactory({ fetch: fetch as typeof globalThis.fetch, timeoutMs: 2_000, ...options })(credentials(serverUrl));
  return { adapter, sent };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable("should have been refused"),
    (error: Error) => error,
  );

describe("CalDAV egress: server addresses", () => {
  const factory = (options: CalDavAdapterOptions = {}) => createCalDavAdapterFactory(options);

  it("an http address is refused unless allowHttp, in the factory itself", () => {
    expect(() => factory()(credentials("http://dav.example.com/"))).toThrow(/https.*CALDAV_ALLOW_HTTP/);
    expect(() => factory({ allowHttp: true })(credentials("http://dav.example.com/"))).not.toThrow();
    expect(() => factory()(credentials("https://dav.example.com/"))).not.toThrow();
  });

  it("an address with a user name or password in it is refused, without quoting them", () => {
    let error: Error | undefined;
    try {
      factory()(credentials(`https://anna:${PASSWORD}@dav.example.com/`));
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toMatchObject({ code: "Permanent", message: expect.stringContaining("user name or password") });
    expect(error!.message + String(error!.stack)).not.toContain(PASSWORD);
  });

  it("with an allow-list, an address outside it is refused; wildcards match names under a domain", () => {
    const allowed = factory({ allowedHosts: ["dav.example.com", "*.fastmail.com"] });
    expect(() => allowed(credentials("https://dav.example.com/"))).not.toThrow();
    expect(() => allowed(credentials("https://caldav.fastmail.com/dav/"))).not.toThrow();
    expect(() => allowed(credentials("https://evil.example.net/"))).toThrow(/evil\.example\.net is not in CALDAV_ALLOWED_HOSTS/);
    expect(() => allowed(credentials("https://fastmail.com.evil.net/"))).toThrow(/CALDAV_ALLOWED_HOSTS/);
  });
});

describe("CalDAV egress: redirects", () => {
  it("a redirect on the server's registrable domain is followed with its method, body and credentials", async () => {
    const { adapter, sent } = adapterAt("https://caldav.icloud.com/", (url) =>
      url.hostname === "caldav.icloud.com" ? redirect("https://p42-caldav.icloud.com/1234/", 307) : principalAnswer("/1234/principal/"),
    );
    expect(await adapter.accountId()).toBe("https://caldav.icloud.com/1234/principal/");
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual(["PROPFIND https://caldav.icloud.com/", "PROPFIND https://p42-caldav.icloud.com/1234/"]);
    expect(sent[1].body).toBe(sent[0].body);
    expect(sent[1].body).toContain("current-user-principal");
    expect(sent.map((s) => s.authorization)).toEqual([basic, basic]);
  });

  it("a redirect to another domain is refused: nothing, credentials least of all, is sent there", async () => {
    const { adapter, sent } = adapterAt("https://dav.example.com/", (url) =>
      url.hostname === "dav.example.com" ? redirect("https://collector.example.net/steal") : principalAnswer("/p/"),
    );
    const error = await refusal(adapter.accountId());
    expect(error).toMatchObject({
      code: "Permanent",
      message: expect.stringMatching(/collector\.example\.net \(a redirect\).*outside example\.com/),
    });
    expect(sent.map((s) => new URL(s.url).hostname)).toEqual(["dav.example.com"]);
  });

  it("a redirect to an internal address, to plain http, or to a look-alike suffix is refused", async () => {
    for (const location of [
      "http://169.254.169.254/latest/meta-data/",
      "http://dav.example.com/",
      "https://example.com.evil.net/",
      "https://a.co.uk/",
    ]) {
      const server = location.includes("co.uk") ? "https://b.co.uk/" : "https://dav.example.com/";
      const { adapter, sent } = adapterAt(server, (url) => (url.href === server ? redirect(location, 302) : principalAnswer("/p/")));
      await expect(adapter.accountId(), location).rejects.toMatchObject({ code: "Permanent", message: expect.stringContaining("which is refused") });
      expect(sent, location).toHaveLength(1);
    }
  });

  it("a 303 is read with GET and no body; a redirect loop is cut after 5 hops", async () => {
    const loop = adapterAt("https://dav.example.com/", (url) => redirect(`/hop${Number(url.pathname.slice(4) || 0) + 1}`, 308));
    await expect(loop.adapter.accountId()).rejects.toMatchObject({ code: "Permanent", message: expect.stringContaining("more than 5 times") });
    expect(loop.sent).toHaveLength(6);

    const moved = adapterAt("https://dav.example.com/", (url) => (url.pathname === "/" ? redirect("/dav/", 303) : principalAnswer("/p/")));
    await moved.adapter.accountId().catch(() => undefined);
    expect(moved.sent.map((s) => `${s.method} ${new URL(s.url).pathname} ${s.body.length > 0}`)).toEqual(["PROPFIND / true", "GET /dav/ false"]);
  });

  it("with an allow-list, the list is the boundary: a redirect within the domain but outside the list is refused", async () => {
    const answer = (url: URL) => (url.hostname === "caldav.icloud.com" ? redirect("https://p42-caldav.icloud.com/1234/") : principalAnswer("/p/"));
    const pinned = adapterAt("https://caldav.icloud.com/", answer, { allowedHosts: ["caldav.icloud.com"] });
    await expect(pinned.adapter.accountId()).rejects.toMatchObject({ message: expect.stringContaining("not in CALDAV_ALLOWED_HOSTS") });
    expect(pinned.sent).toHaveLength(1);
    const wildcard = adapterAt("https://caldav.icloud.com/", answer, { allowedHosts: ["*.icloud.com"] });
    await expect(wildcard.adapter.accountId()).resolves.toBe("https://caldav.icloud.com/p/");
    expect(wildcard.sent).toHaveLength(2);
  });
});

describe("CalDAV egress: hrefs in answers", () => {
  it("a principal outside the server's domain is refused before anything is sent there", async () => {
    const { adapter, sent } = adapterAt("https://dav.example.com/", () => principalAnswer("https://collector.example.net/principal/"));
    await expect(adapter.findOrCreateCalendar("Work")).rejects.toMatchObject({
      code: "Permanent",
      message: expect.stringMatching(/collector\.example\.net \(an href in its answer\)/),
    });
    expect(sent.map((s) => new URL(s.url).hostname)).toEqual(["dav.example.com"]);
  });

  it("a calendar home elsewhere is refused; one on a sibling host of the domain is used", async () => {
    const homeAt = (home: string) => (url: URL) =>
      url.pathname === "/"
        ? principalAnswer("/p/")
        : url.pathname === "/p/"
          ? multistatus(prop("/p/", `<c:calendar-home-set><d:href>${home}</d:href></c:calendar-home-set>`))
          : multistatus(prop(url.pathname, "<d:resourcetype><d:collection/></d:resourcetype>"));
    const outside = adapterAt("https://dav.example.com/", homeAt("http://10.0.0.7/home/"));
    await expect(outside.adapter.findOrCreateCalendar("Work")).rejects.toMatchObject({ code: "Permanent" });
    expect(outside.sent.every((s) => new URL(s.url).hostname === "dav.example.com")).toBe(true);

    const sibling = adapterAt("https://dav.example.com/", homeAt("https://p2.example.com/home/"));
    await sibling.adapter.findOrCreateCalendar("Work");
    expect(sibling.sent.map((s) => `${s.method} ${s.url}`)).toContain("PROPFIND https://p2.example.com/home/");
  });

  it("a sync report listing a resource on another domain is refused", async () => {
    const { adapter } = adapterAt(
      "https://dav.example.com/",
      () => multistatus(`${prop("https://collector.example.net/cal/a.ics", '<d:getetag>"1"</d:getetag>')}<d:sync-token>t1</d:sync-token>`),
      { syncStrategy: "sync-collection" },
    );
    await expect(adapter.listChanges("/cal/", {})).rejects.toMatchObject({
      code: "Permanent",
      message: expect.stringContaining("collector.example.net"),
    });
  });
});

describe("CalDAV egress: network failures by kind", () => {
  /** A fetch failing the way undici does: a TypeError whose cause carries Node's error code and the socket's details. */
  const failingWith = (code: string, message: string) =>
    adapterAt("https://dav.example.com/", () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(message), { code, address: "10.1.2.3", port: 8443 }) });
    }).adapter;

  it("names the kind of failure, never addresses, ports or errno strings", async () => {
    const kinds: [string, string, RegExp][] = [
      ["ECONNREFUSED", "connect ECONNREFUSED 10.1.2.3:8443", /connection refused/],
      ["ENOTFOUND", "getaddrinfo ENOTFOUND dav.internal.corp", /host not found/],
      ["ECONNRESET", "read ECONNRESET 10.1.2.3:8443", /connection reset/],
      ["UND_ERR_CONNECT_TIMEOUT", "Connect Timeout Error (attempted address: 10.1.2.3:8443, timeout: 10000ms)", /timed out/],
      ["CERT_HAS_EXPIRED", "certificate has expired", /TLS/],
    ];
    for (const [code, message, kind] of kinds) {
      const error = await refusal(failingWith(code, message).accountId());
      expect(error, code).toMatchObject({ code: "Transient", retryable: true, message: expect.stringMatching(kind) });
      for (const detail of ["10.1.2.3", "8443", code, "dav.internal.corp"]) expect(error.message, code).not.toContain(detail);
    }
  });

  describe("on real sockets", () => {
    let plain: Server;
    let plainPort: number;
    beforeAll(async () => {
      plain = createServer((_, res) => res.end("not TLS"));
      await new Promise<void>((ready) => plain.listen(0, "127.0.0.1", ready));
      plainPort = (plain.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((done) => plain.close(() => done())));

    it("a closed port is 'connection refused' and a server that does not speak TLS a TLS failure, neither naming the address", async () => {
      const closedPort = await freePort();
      const refused = createCalDavAdapterFactory({ allowHttp: true, timeoutMs: 2_000 })(credentials(`http://127.0.0.1:${closedPort}/`));
      const refusedError = await refusal(refused.accountId());
      expect(refusedError.message).toMatch(/connection refused/);
      const tls = createCalDavAdapterFactory({ timeoutMs: 2_000 })(credentials(`https://127.0.0.1:${plainPort}/`));
      const tlsError = await refusal(tls.accountId());
      expect(tlsError.message).toMatch(/TLS/);
      for (const error of [refusedError, tlsError]) {
        for (const detail of ["127.0.0.1", String(closedPort), String(plainPort), "ECONN", "ERR_"]) expect(error.message).not.toContain(detail);
      }
    });
  });
});
