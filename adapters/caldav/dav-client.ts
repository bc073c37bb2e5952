// One account's HTTP to a CalDAV server: basic auth, a timeout, redirects
// followed by hand (each target checked against the egress policy), and every
// failure turned into an AdapterError in one place. XML bodies go through
// tsdav's davRequest (it builds and parses the WebDAV XML).
import { type DAVDepth, type DAVResponse, davRequest } from "tsdav";
import { Permanent } from "../types.js";
import { type CalDavEgressPolicy, followProblem, serverUrlProblem } from "./egress.js";
import { errorForFailure, errorForResponse } from "./errors.js";

export interface DavClientOptions {
  serverUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  fetch: typeof fetch;
  egress: CalDavEgressPolicy;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** As many hops as a server moving its DAV root (http → https, / → /dav/) plausibly needs. */
const MAX_REDIRECTS = 5;

/** XML namespaces by the prefixes used in request bodies. */
export const DAV_NAMESPACES = {
  "xmlns:d": "DAV:",
  "xmlns:c": "urn:ietf:params:xml:ns:caldav",
  "xmlns:cs": "http://calendarserver.org/ns/",
};

export class DavClient {
  readonly root: URL;
  private readonly authorization: string;

  constructor(private readonly options: DavClientOptions) {
    // Checked here too, not only by the API: a stored address predates the policy, or came from elsewhere.
    // The message never quotes the address, which could carry credentials.
    const problem = serverUrlProblem(options.serverUrl, options.egress);
    if (problem) throw new Permanent(`the CalDAV server address ${problem}`);
    this.root = new URL(options.serverUrl);
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
  }

  /** An absolute URL for an href the server gave (usually a path); one outside where we may go is refused. */
  resolve(href: string): URL {
    let url: URL;
    try {
      url = new URL(href, this.root);
    } catch {
      throw new Permanent("the CalDAV server gave an href that is not a URL");
    }
    this.refuseOutside(url, "an href in its answer");
    return url;
  }

  private refuseOutside(url: URL, how: string) {
    const problem = followProblem(this.root, url, this.options.egress);
    if (problem) throw new Permanent(`the CalDAV server sent us to ${url.host} (${how}), which is refused: ${problem}`);
  }

  /**
   * Sends one request. Answers outside 2xx throw, except the statuses in
   * `allow`, which the caller handles (a 404 on GET, a 412 on create...).
   */
  async send(method: string, url: URL, init: { headers?: Record<string, string>; body?: string } = {}, allow: number[] = []): Promise<Response> {
    const what = `${method} ${url.pathname}`;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let target = url;
    let request = { method, body: init.body };
    for (let hop = 0; ; hop++) {
      this.refuseOutside(target, hop === 0 ? "a request" : "a redirect");
      let response: Response;
      try {
        response = await this.options.fetch(target, {
          ...request,
          headers: { ...init.headers, Authorization: this.authorization },
          // fetch would carry method, body and credentials to wherever a Location points.
          redirect: "manual",
          signal,
        });
      } catch (cause) {
        throw errorForFailure(what, cause);
      }
      const location = REDIRECTS.has(response.status) ? response.headers.get("location") : null;
      if (location === null) {
        if (response.ok || allow.includes(response.status)) return response;
        const body = await response.text().catch(() => "");
        throw errorForResponse(what, response.status, response.headers, body);
      }
      await response.body?.cancel();
      if (hop === MAX_REDIRECTS) throw new Permanent(`CalDAV ${what} was redirected more than ${MAX_REDIRECTS} times`);
      try {
        target = new URL(location, target);
      } catch {
        throw new Permanent(`CalDAV ${what} was redirected to something that is not a URL`);
      }
      // 303 means "see the answer over there": read it with GET. Other redirects keep the WebDAV method and body.
      if (response.status === 303 && request.method !== "HEAD") request = { method: "GET", body: undefined };
    }
  }

  /** A WebDAV request with an XML body (`body` in xml-js compact form); answers parsed by tsdav. */
  async xml(method: string, url: URL, body: object, headers: { depth?: DAVDepth } = {}): Promise<DAVResponse[]> {
    const extra: Record<string, string> = headers.depth ? { Depth: headers.depth } : {};
    try {
      return await davRequest({
        url: url.href,
        init: { method: method as "PROPFIND", headers: extra, body },
        fetch: (input, init) =>
          this.send(method, new URL(String(input)), {
            headers: init?.headers as Record<string, string>,
            body: init?.body as string,
          }),
      });
    } catch (cause) {
      throw errorForFailure(`${method} ${url.pathname}`, cause);
    }
  }
}

/** The text of a parsed XML value: tsdav turns numeric-looking text into numbers. */
export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object") {
    const inner = (value as { _text?: unknown; _cdata?: unknown })._text ?? (value as { _cdata?: unknown })._cdata;
    return inner === undefined ? undefined : String(inner);
  }
  return String(value);
}

/** Hrefs from a parsed `<href>` or list of them. */
export function hrefsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.flatMap((entry) => {
    const href = text(typeof entry === "object" && entry !== null && "href" in entry ? entry.href : entry);
    return href ? [href] : [];
  });
}
