// Google's batch format (https://developers.google.com/calendar/api/guides/batch):
// a multipart/mixed request whose parts are `application/http` requests (path
// only, their own Authorization), answered by a multipart/mixed response whose
// parts are whole HTTP responses, each named `response-<the request part's
// Content-ID>`. Written by hand: it is a few string splits, and no well-kept
// library builds Google's batches (the Node client dropped them).
import type { IncomingHttpHeaders } from "node:http";
import type { HttpAnswer } from "./lean-get.js";

/** One GET carried in a batch: its Content-ID, its path and query (under the host), and the access token of its account. */
export interface BatchedGet {
  id: string;
  target: string;
  accessToken: string;
}

export function batchBody(boundary: string, gets: BatchedGet[]): string {
  let body = "";
  for (const get of gets) {
    body +=
      `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <${get.id}>\r\n\r\n` +
      // The outer request's other headers (Accept) hold for every part.
      `GET ${get.target} HTTP/1.1\r\nAuthorization: Bearer ${get.accessToken}\r\n\r\n`;
  }
  return `${body}--${boundary}--\r\n`;
}

/** The boundary of a multipart/mixed Content-Type; undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/mixed\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : undefined;
}

const BLANK_LINE = /\r?\n\r?\n/;

/** Splits a head (a start line, then header lines) from what follows the blank line after it. */
function splitHead(text: string): { lines: string[]; rest: string } | undefined {
  const blank = BLANK_LINE.exec(text);
  if (!blank) return undefined;
  return { lines: text.slice(0, blank.index).split(/\r?\n/), rest: text.slice(blank.index + blank[0].length) };
}

function headerMap(lines: string[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The answers of a batch response by the Content-ID of the request part each
 * answers. A part that cannot be read is left out: its call is then made alone.
 */
export function batchAnswers(boundary: string, text: string): Map<string, HttpAnswer> {
  const answers = new Map<string, HttpAnswer>();
  const sections = text.split(`--${boundary}`);
  // Before the first delimiter: the preamble; from the one that ends in "--": the epilogue.
  for (const section of sections.slice(1)) {
    if (section.startsWith("--")) break;
    const part = splitHead(section.replace(/^\r?\n/, ""));
    const id = part && /^<?response-(.+?)>?$/.exec((headerMap(part.lines)["content-id"] as string | undefined) ?? "")?.[1];
    const http = part && splitHead(part.rest);
    const status = http && /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(http.lines[0]);
    if (!id || !http || !status) continue;
    answers.set(id, { status: Number(status[1]), headers: headerMap(http.lines.slice(1)), text: http.rest.replace(/\r?\n$/, "") });
  }
  return answers;
}
