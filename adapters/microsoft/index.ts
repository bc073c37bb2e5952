// Microsoft 365 adapters for accounts: one GraphMailbox (token, pacer) per
// account, shared by every adapter on it, so all bindings of one mailbox
// together keep its pace and its few calls in flight.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { type CalendarAdapter, DEFAULT_RETRY_POLICY, Pacer, type RetryPolicy } from "../public.js";
import { MicrosoftAdapter } from "./adapter.js";
import { GraphMailbox } from "./mailbox.js";

/** Outlook answers about four requests of one app and mailbox at a time ("Microsoft Graph service-specific throttling limits"). */
export const CALLS_IN_FLIGHT = 4;

export interface MicrosoftAdapterOptions {
  /** Events per delta page (Prefer: odata.maxpagesize). */
  pageSize?: number;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Short in-adapter retries; the engine does the long backoff. */
  retry?: Partial<RetryPolicy>;
  /** Per HTTP request. Default 30 s. */
  timeoutMs?: number;
  /** For tests and proxies; the global fetch by default. */
  fetch?: typeof fetch;
}

/** One account: the app registration (as the company settings hold it) and the account's refresh token. */
export interface MicrosoftAccountCredentials {
  graphUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  scopes: readonly string[];
  requestsPerMinute: number;
}

export interface MicrosoftAdapterFactory {
  (credentials: MicrosoftAccountCredentials): CalendarAdapter;
  /** Changes the pace of every mailbox, now and later. */
  setRequestsPerMinute(requestsPerMinute: number): void;
}

export function createMicrosoftAdapterFactory(options: MicrosoftAdapterOptions = {}): MicrosoftAdapterFactory {
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const mailboxes = new Map<string, { mailbox: GraphMailbox; pacer: Pacer }>();
  const factory = (credentials: MicrosoftAccountCredentials): CalendarAdapter => {
    // Hashed: the map holds no secret in clear.
    const key = createHash("sha256")
      .update([credentials.tokenUrl, credentials.graphUrl, credentials.clientId, credentials.clientSecret, credentials.refreshToken].join("\0"))
      .digest("hex");
    let entry = mailboxes.get(key);
    if (!entry) {
      const pacer = new Pacer(credentials.requestsPerMinute, undefined, CALLS_IN_FLIGHT);
      const mailbox = new GraphMailbox({
        ...credentials,
        pacer,
        retry,
        timeoutMs: options.timeoutMs ?? 30_000,
        fetch: options.fetch ?? fetch,
        logger: options.logger,
      });
      mailboxes.set(key, (entry = { mailbox, pacer }));
    }
    return new MicrosoftAdapter(entry.mailbox, options.pageSize ?? 100);
  };
  return Object.assign(factory, {
    setRequestsPerMinute(next: number) {
      for (const { pacer } of mailboxes.values()) pacer.setRequestsPerMinute(next);
    },
  });
}
