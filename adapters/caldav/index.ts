// The CalDAV provider: an AdapterFactory for CalDavCredentials.
import { Permanent, type AccountCredentials, type AdapterFactory, type CalendarAdapter } from "../types.js";
import { CalDavAdapter, type CalDavAdapterSettings } from "./caldav-adapter.js";
import { DavClient } from "./dav-client.js";

export interface CalDavAdapterOptions extends Partial<CalDavAdapterSettings> {
  /** Per request; a request running longer fails as Transient. Default 30 s. */
  timeoutMs?: number;
  /** For tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

export function createCalDavAdapterFactory(options: CalDavAdapterOptions = {}): AdapterFactory {
  const settings: CalDavAdapterSettings = {
    syncStrategy: options.syncStrategy ?? "auto",
    expansionDays: options.expansionDays ?? 400,
    pageSize: options.pageSize ?? 250,
  };
  return (credentials: AccountCredentials): CalendarAdapter => {
    if (credentials.provider !== "caldav") {
      throw new Permanent(`the CalDAV adapter cannot use ${credentials.provider} credentials`);
    }
    const client = new DavClient({
      serverUrl: credentials.serverUrl,
      username: credentials.username,
      password: credentials.password,
      timeoutMs: options.timeoutMs ?? 30_000,
      fetch: options.fetch ?? fetch,
    });
    return new CalDavAdapter(client, settings);
  };
}

export type { CalDavAdapterSettings } from "./caldav-adapter.js";
export type { SyncStrategy } from "./change-feed.js";
