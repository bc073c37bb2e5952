// GET requests to the Calendar API without the client library: 10,000
// bindings each poll every minute, and the library's per-request work (URL
// templates, option merging, fetch emulation, an abort signal per request)
// cost the service more CPU than everything else a quiet poll does
// (`node --cpu-prof`, issue 18). One keep-alive agent per protocol serves every
// account. Failures take the shape toAdapterError reads from the library's.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

const agents = {
  "http:": new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  "https:": new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** A non-2xx answer, as toAdapterError reads it (status, Google's error body, headers for Retry-After). */
class HttpAnswerError extends Error {
  constructor(readonly response: { status: number; data: unknown; headers: IncomingMessage["headers"] }) {
    super(`HTTP ${response.status}`);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

/** GETs `url` with the access token and answers its JSON body as `data`. */
export function getJson<T>(url: URL, accessToken: string, timeoutMs: number): Promise<{ data: T }> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        agent: agents[url.protocol as keyof typeof agents],
        headers: { authorization: `Bearer ${accessToken}`, accept: "application/json", "accept-encoding": "identity" },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const data = parse(Buffer.concat(chunks).toString("utf8"));
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve({ data: data as T });
          else reject(new HttpAnswerError({ status, data, headers: res.headers }));
        });
      },
    );
    // The code (ETIMEDOUT) marks it as no answer: worth another try.
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end();
  });
}
