import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { PacingObserver } from "../pacing-observer.js";
import type { CalendarAdapter } from "../types.js";
import { GoogleAccount } from "./account.js";
import { GoogleAdapter } from "./adapter.js";
import { Pacer } from "./pacer.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry-policy.js";

export type { RetryPolicy } from "./retry-policy.js";

export interface GoogleAdapterOptions {
  /** Calendar API root, e.g. https://www.googleapis.com/ */
  apiRootUrl: string;
  /** OAuth token endpoint, e.g. https://oauth2.googleapis.com/token */
  tokenUrl: string;
  /** Pace kept per Google account (SPEC R1 googleRequestsPerMinute). */
  requestsPerMinute: number;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Short in-adapter retries; the engine does the long backoff. */
  retry?: Partial<RetryPolicy>;
  /** Per HTTP request. Default 30 s. */
  timeoutMs?: number;
  /** Told of each account's pacing and throttling (metrics). */
  pacing?: PacingObserver;
}

/** One Google account as an OAuth client and a refresh token. */
export interface GoogleAccountCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface GoogleAdapterFactory {
  /** `credential` labels the account's pacing for the observer (never an address or a token). */
  (credentials: GoogleAccountCredentials, credential?: string): CalendarAdapter;
  /** Changes the pace of every account, now and later (the administrator changed the setting). */
  setRequestsPerMinute(requestsPerMinute: number): void;
}

/**
 * Makes Google adapters. Adapters on the same account (client id + refresh
 * token) share one pacer, so all bindings of a company token together stay
 * under the account's quota (SPEC R17), and one OAuth client.
 */
export function createGoogleAdapterFactory(options: GoogleAdapterOptions): GoogleAdapterFactory {
  let requestsPerMinute = options.requestsPerMinute;
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const pacers = new Map<string, Pacer>();
  const accounts = new Map<string, GoogleAccount>();

  const { pacing } = options;
  /** The credential each pacer was first opened for: its calls are labelled so. */
  const labels = new Map<string, string>();

  const factory = (credentials: GoogleAccountCredentials, credential = "unnamed"): CalendarAdapter => {
    const { clientId, clientSecret, refreshToken } = credentials;
    // Hashed keys: the map holds no secret in clear.
    const pacerKey = digest(clientId, refreshToken);
    let pacer = pacers.get(pacerKey);
    if (!pacer) {
      const created = new Pacer(requestsPerMinute, undefined, pacing && ((priority, ms) => pacing.waited("google", credential, priority, ms / 1000)));
      pacers.set(pacerKey, (pacer = created));
      labels.set(pacerKey, credential);
      pacing?.pacerCreated("google", credential, () => created.queued);
    }
    const label = labels.get(pacerKey) ?? credential;
    const accountKey = digest(clientId, clientSecret, refreshToken);
    let account = accounts.get(accountKey);
    if (!account) {
      account = new GoogleAccount({
        apiRootUrl: options.apiRootUrl,
        tokenUrl: options.tokenUrl,
        clientId,
        clientSecret,
        refreshToken,
        pacer,
        retry,
        timeoutMs: options.timeoutMs ?? 30_000,
        logger: options.logger,
        onThrottled: pacing && (() => pacing.throttled("google", label)),
      });
      accounts.set(accountKey, account);
    }
    return new GoogleAdapter(account);
  };

  return Object.assign(factory, {
    setRequestsPerMinute(next: number) {
      requestsPerMinute = next;
      for (const pacer of pacers.values()) pacer.setRequestsPerMinute(next);
    },
  });
}

function digest(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex");
}
