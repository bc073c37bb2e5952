// CalDAV adapters for accounts: one DavClient each, the egress policy applied to every request.
import type { CalendarAdapter } from "../types.js";
import { CalDavAdapter, type CalDavAdapterSettings } from "./caldav-adapter.js";
import { DavClient } from "./dav-client.js";
import { type CalDavEgressPolicy, strictEgress } from "./egress.js";

export interface CalDavAdapterOptions extends Partial<CalDavAdapterSettings>, Partial<CalDavEgressPolicy> {
  /** Per request, redirects included; a request running longer fails as Transient. Default 30 s. */
  timeoutMs?: number;
  /** For tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

/** One CalDAV account: the server's address and HTTP Basic credentials. */
export interface CalDavAccountCredentials {
  serverUrl: string;
  username: string;
  password: string;
}

export function createCalDavAdapterFactory(options: CalDavAdapterOptions = {}): (credentials: CalDavAccountCredentials) => CalendarAdapter {
  const settings: CalDavAdapterSettings = {
    syncStrategy: options.syncStrategy ?? "auto",
    expansionDays: options.expansionDays ?? 400,
    pageSize: options.pageSize ?? 250,
  };
  const egress: CalDavEgressPolicy = {
    allowHttp: options.allowHttp ?? strictEgress.allowHttp,
    allowedHosts: options.allowedHosts ?? strictEgress.allowedHosts,
  };
  return (credentials) => {
    const client = new DavClient({
      serverUrl: credentials.serverUrl,
      username: credentials.username,
      password: credentials.password,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? fetch,
      egress,
    });
    return new CalDavAdapter(client, settings);
  };
}
