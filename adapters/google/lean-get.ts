// Requests to the Calendar API without the client library: 10,000 bindings
// each poll every minute, and the library's per-request work (URL templates,
// option merging, fetch emulation, an abort signal per request) cost the
// service more CPU than everything else a quiet poll does (`node --cpu-prof`,
// issue 18). One keep-alive agent per protocol serves every account. Failures
// take the shape toAdapterError reads from the library's.
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** An HTTP answer as read: status, headers (names in lower case) and the body's text. */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** A non-2xx answer, as toAdapterError reads it (status, Google's error body, headers for Retry-After). */
class HttpAnswerError extends Error {
  constructor(readonly response: { status: number; data: unknown; headers: IncomingHttpHeaders }) {
    super(`HTTP ${response.status}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** A non-2xx answer as the error the single GET rejects with. */
export function refusalOf(answer: HttpAnswer): Error {
  return new HttpAnswerError({ status: answer.status, data: parseJson(answer.text), headers: answer.headers });
}

/** Sends one request and reads its whole answer; rejects only when no answer came (reset, refused, timed out). */
export function exchange(
  url: URL,
  method: "GET" | "POST",
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
): Promise<HttpAnswer> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        agent: agents[url.protocol as keyof typeof agents],
        headers: { ...headers, accept: "application/json", "accept-encoding": "identity" },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    // The code (ETIMEDOUT) marks it as no answer: worth another try.
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

/** GETs `url` with the access token and answers its JSON body as `data`. */
export async function getJson<T>(url: URL, accessToken: string, timeoutMs: number): Promise<{ data: T }> {
  const answer = await exchange(url, "GET", { authorization: `Bearer ${accessToken}` }, undefined, timeoutMs);
  if (answer.status >= 200 && answer.status < 300) return { data: parseJson(answer.text) as T };
  throw refusalOf(answer);
}
