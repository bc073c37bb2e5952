// Google's batch format, server side (https://developers.google.com/calendar/api/guides/batch):
// a multipart/mixed request of `application/http` parts, each an HTTP request
// with the path only; the outer request's headers other than Content-* apply to
// every part unless the part sets its own. The answer is multipart/mixed too,
// one `application/http` part per request part, in the same order, named
// `response-<the part's Content-ID>`. Up to 1,000 calls a batch.
import { randomBytes } from "node:crypto";
import { type IncomingHttpHeaders, STATUS_CODES } from "node:http";
import { GoogleApiError, invalid } from "./google-errors.js";

/** An answer to one call: what a direct call writes to its response, what a batch writes into a part. */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Served, but the answer is held this long (an injected answerDelayMs). */
  holdMs?: number;
}

export interface BatchedRequest {
  /** The part's Content-ID without its angle brackets; absent when the part gave none. */
  contentId?: string;
  method: string;
  /** Path and query, as in the request line. */
  target: string;
  /** Lower-case names: the part's own, over the outer request's. */
  headers: Record<string, string>;
  body: string;
}

export interface BatchAnswerPart extends ApiAnswer {
  contentId?: string;
}

const MAX_CALLS = 1000;

function splitHead(text: string): { lines: string[]; rest: string } {
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank) return { lines: text.split(/\r?\n/).filter(Boolean), rest: "" };
  return { lines: text.slice(0, blank.index).split(/\r?\n/), rest: text.slice(blank.index + blank[0].length) };
}

function headerLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The calls of a batch request; a request that is not a well-formed batch is a 400, as Google answers it. */
export function parseBatch(outer: IncomingHttpHeaders, body: string): BatchedRequest[] {
  const contentType = outer["content-type"] ?? "";
  const boundary = /^multipart\/mixed\s*;.*?boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) throw invalid("Batch requests must be multipart/mixed with a boundary.");
  const inherited: Record<string, string> = {};
  for (const [name, value] of Object.entries(outer)) {
    if (typeof value === "string" && !/^(content-|host$|connection$|transfer-encoding$)/.test(name)) inherited[name] = value;
  }
  const requests: BatchedRequest[] = [];
  const sections = body.split(`--${boundary[1] ?? boundary[2]}`);
  for (const section of sections.slice(1)) {
    if (section.startsWith("--")) break;
    const part = splitHead(section.replace(/^\r?\n/, ""));
    const partHeaders = headerLines(part.lines);
    if (!/^application\/http/i.test(partHeaders["content-type"] ?? "")) throw invalid("Each part of a batch must be application/http.");
    const http = splitHead(part.rest.replace(/\r?\n$/, ""));
    const requestLine = /^([A-Z]+) (\/\S*)(?: HTTP\/\d(?:\.\d)?)?$/.exec(http.lines[0] ?? "");
    if (!requestLine) throw invalid("A part's request line must be a method and a path (no host).");
    requests.push({
      ...(partHeaders["content-id"] ? { contentId: partHeaders["content-id"].replace(/^<|>$/g, "") } : {}),
      method: requestLine[1],
      target: requestLine[2],
      headers: { ...inherited, ...headerLines(http.lines.slice(1)) },
      body: http.rest,
    });
  }
  if (requests.length === 0) throw invalid("The batch holds no request.");
  if (requests.length > MAX_CALLS) throw new GoogleApiError(400, "batchSizeTooLarge", `A batch holds at most ${MAX_CALLS} calls.`);
  return requests;
}

/** The multipart answer to a batch, the parts in the order of the requests. */
export function batchResponse(parts: BatchAnswerPart[]): { contentType: string; body: string } {
  const boundary = `batch_${randomBytes(9).toString("base64url")}`;
  let body = "";
  for (const part of parts) {
    const headers = Object.entries({ ...part.headers, "Content-Length": String(Buffer.byteLength(part.body)) })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    body +=
      `--${boundary}\r\nContent-Type: application/http\r\n${part.contentId ? `Content-ID: <response-${part.contentId}>\r\n` : ""}\r\n` +
      `HTTP/1.1 ${part.status} ${STATUS_CODES[part.status] ?? ""}\r\n${headers}\r\n${part.body}\r\n`;
  }
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: `${body}--${boundary}--\r\n` };
}
