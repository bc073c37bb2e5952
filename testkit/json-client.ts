// JSON over HTTP with the admin token, for tests that drive the API in process
// (`app.request`) or over the network (`fetch`).
import { expect } from "vitest";

export interface JsonAnswer {
  status: number;
  body: any;
}

export type Requester = (path: string, init: RequestInit) => Response | Promise<Response>;

export function jsonClient(request: Requester, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<JsonAnswer> => {
    const res = await request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** The body of a successful answer; fails the test with the error body otherwise. */
export function ok(answer: JsonAnswer): any {
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
  return answer.body;
}
