// A browser as far as a consent flow needs one: it follows redirects across
// sites (taskcal, the provider's consent screen, back) and keeps each site's
// cookies, sending them back by path and dropping them when told. Requests to
// one origin can be served in process (app.request) instead of over the network.

export interface Page {
  status: number;
  /** Where the browser ended up. */
  url: string;
  text: string;
  headers: Headers;
}

type Fetcher = (url: URL, init: RequestInit) => Response | Promise<Response>;

interface Cookie {
  value: string;
  path: string;
  expiresAt: number;
}

export class Browser {
  /** origin → cookie name → cookie. */
  private readonly jar = new Map<string, Map<string, Cookie>>();
  /** Every address visited, in order (redirect hops included). */
  readonly visited: string[] = [];

  constructor(private readonly served: Record<string, Fetcher> = {}) {}

  /**
   * Navigates to `url` (GET), following up to 10 redirects; `headers` go with
   * the first request only. With `stopBefore`, a redirect to an address it
   * matches is not followed: the page is that redirect (its `url` the address).
   */
  async open(url: string, options: { headers?: Record<string, string>; stopBefore?: RegExp } = {}): Promise<Page> {
    let at = new URL(url);
    let extra = options.headers ?? {};
    for (let hop = 0; hop <= 10; hop++) {
      this.visited.push(at.toString());
      const response = await this.send(at, { method: "GET", headers: extra });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.arrayBuffer();
        const next = new URL(location, at);
        if (options.stopBefore?.test(next.toString())) return { status: response.status, url: next.toString(), text: "", headers: response.headers };
        at = next;
        extra = {};
        continue;
      }
      return { status: response.status, url: at.toString(), text: await response.text(), headers: response.headers };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  /** A script's request from a page of the site (fetch with credentials): cookies go and come, redirects are not followed. */
  async request(method: string, url: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<Page> {
    const at = new URL(url);
    const headers = { ...options.headers, ...(options.json === undefined ? {} : { "content-type": "application/json" }) };
    const response = await this.send(at, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) });
    return { status: response.status, url: at.toString(), text: await response.text(), headers: response.headers };
  }

  private async send(at: URL, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Response> {
    const cookie = this.cookieHeader(at);
    const request: RequestInit = { ...init, redirect: "manual", headers: { ...init.headers, ...(cookie ? { cookie } : {}) } };
    const response = await (this.served[at.origin] ?? ((target: URL, options: RequestInit) => fetch(target, options)))(at, request);
    this.keep(at, response.headers);
    return response;
  }

  /** The cookies a site holds now (names and values), as the browser would send them to `url`. */
  cookies(url: string): Record<string, string> {
    const at = new URL(url);
    return Object.fromEntries([...(this.jar.get(at.origin) ?? [])].filter(([, c]) => this.applies(c, at)).map(([name, c]) => [name, c.value]));
  }

  private applies(cookie: Cookie, at: URL): boolean {
    return cookie.expiresAt > Date.now() && at.pathname.startsWith(cookie.path);
  }

  private cookieHeader(at: URL): string {
    return Object.entries(this.cookies(at.toString()))
      .map(([name, value]) => `${name}=${value}`)
      .join("; ");
  }

  private keep(at: URL, headers: Headers): void {
    const site = this.jar.get(at.origin) ?? new Map<string, Cookie>();
    this.jar.set(at.origin, site);
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";").map((part) => part.trim());
      const split = pair.indexOf("=");
      const name = pair.slice(0, split);
      const cookie: Cookie = { value: pair.slice(split + 1), path: "/", expiresAt: Number.POSITIVE_INFINITY };
      for (const attribute of attributes) {
        const [key, value = ""] = attribute.split("=");
        if (key.toLowerCase() === "path") cookie.path = value;
        if (key.toLowerCase() === "max-age") cookie.expiresAt = Date.now() + Number(value) * 1000;
        if (key.toLowerCase() === "expires") cookie.expiresAt = Math.min(cookie.expiresAt, Date.parse(value));
      }
      if (cookie.expiresAt <= Date.now()) site.delete(name);
      else site.set(name, cookie);
    }
  }
}
