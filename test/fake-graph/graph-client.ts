// What a Graph client does over HTTP, for the fake Graph server's tests: get tokens, call Graph,
// and receive webhooks.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FakeGraph } from "../../testkit/fake-graph/server.js";

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export async function tokenRequest(graph: FakeGraph, form: Record<string, string>): Promise<Answer> {
  const res = await fetch(graph.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: graph.clientId, client_secret: graph.clientSecret, ...form }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export interface Session {
  email: string;
  refreshToken: string;
  accessToken: string;
  /** A Graph call with this session's token; `path` is under graphUrl, or a full URL (a nextLink). */
  call(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<Answer>;
}

/** A new mailbox, signed in through a refresh (the test control's consent). */
export async function session(graph: FakeGraph, email: string, scopes?: string[]): Promise<Session> {
  const refreshToken = graph.addAccount(email, scopes ? { scopes } : {});
  const token = await tokenRequest(graph, { grant_type: "refresh_token", refresh_token: refreshToken });
  if (token.status !== 200) throw new Error(JSON.stringify(token.body));
  return sessionWith(graph, email, refreshToken, token.body.access_token);
}

export function sessionWith(graph: FakeGraph, email: string, refreshToken: string, accessToken: string): Session {
  return {
    email,
    refreshToken,
    accessToken,
    async call(method, path, options = {}) {
      const url = path.startsWith("http") ? path : `${graph.graphUrl}${path}`;
      const res = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          ...(options.body === undefined ? {} : { "content-type": "application/json" }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
  };
}

/** The body of a 2xx answer; throws with the error body otherwise. */
export function ok(answer: Answer): any {
  if (answer.status >= 300) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook endpoint: echoes validation tokens (unless told otherwise) and answers notifications 202. */
export interface Receiver {
  url: string;
  received: ReceivedRequest[];
  /** How validation requests are answered from now on. */
  validation: "echo" | "wrong-body" | "not-found";
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", received: [], validation: "echo", close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://receiver");
    receiver.received.push({ path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
    const token = url.searchParams.get("validationToken");
    if (token === null) return void res.writeHead(202).end();
    if (receiver.validation === "not-found") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/plain" }).end(receiver.validation === "echo" ? token : "hello");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** An event body for a one-hour meeting at a UTC time. */
export function meeting(subject: string, startUtc: string, minutes = 60): Record<string, unknown> {
  const end = new Date(Date.parse(`${startUtc}Z`) + minutes * 60_000).toISOString().slice(0, 19);
  return { subject, start: { dateTime: startUtc, timeZone: "UTC" }, end: { dateTime: end, timeZone: "UTC" } };
}
