// One account's HTTP to a CalDAV server: basic auth, a timeout, and every
// failure turned into an AdapterError in one place. XML bodies go through
// tsdav's davRequest (it builds and parses the WebDAV XML).
import { davRequest, type DAVDepth, type DAVResponse } from "tsdav";
import { Permanent } from "../types.js";
import { errorForFailure, errorForResponse } from "./errors.js";

export interface DavClientOptions {
  serverUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

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
    let root: URL;
    try {
      root = new URL(options.serverUrl);
    } catch {
      throw new Permanent("the CalDAV server address is not a valid URL");
    }
    // Credentials in the URL would leak into messages and logs; the fields carry them.
    root.username = "";
    root.password = "";
    this.root = root;
    this.authorization = "Basic " + Buffer.from(`${options.username}:${options.password}`).toString("base64");
  }

  /** An absolute URL for an href the server gave (usually a path). */
  resolve(href: string): URL {
    return new URL(href, this.root);
  }

  /**
   * Sends one request. Answers outside 2xx throw, except the statuses in
   * `allow`, which the caller handles (a 404 on GET, a 412 on create...).
   */
  async send(
    method: string,
    url: URL,
    init: { headers?: Record<string, string>; body?: string } = {},
    allow: number[] = [],
  ): Promise<Response> {
    const what = `${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method,
        body: init.body,
        headers: { ...init.headers, Authorization: this.authorization },
        redirect: "follow",
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      throw errorForFailure(what, cause);
    }
    if (response.ok || allow.includes(response.status)) return response;
    const body = await response.text().catch(() => "");
    throw errorForResponse(what, response.status, response.headers, body);
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
