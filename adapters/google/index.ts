import { createHash } from "node:crypto";
import { gaxios } from "google-auth-library";
import type { Logger } from "pino";
import { type CallBudget, Pacer } from "../pacer.js";
import type { PacingObserver } from "../pacing-observer.js";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../retry-policy.js";
import type { CalendarAdapter } from "../types.js";
import { GoogleAccount } from "./account.js";
import { GoogleAdapter } from "./adapter.js";
import { DEFAULT_POLL_BATCH_WINDOW_MS, PollBatcher } from "./poll-batcher.js";
import { RefreshTokenAuth } from "./refresh-token-auth.js";
import { type ServiceAccountKey, serviceAccountAuth } from "./sign-in.js";

export type { RetryPolicy } from "../retry-policy.js";

export interface GoogleAdapterOptions {
  /** Calendar API root, e.g. https://www.googleapis.com/ */
  apiRootUrl: string;
  /** OAuth token endpoint, e.g. https://oauth2.googleapis.com/token */
  tokenUrl: string;
  /** Pace kept per Google account (SPEC R1 googleRequestsPerMinute). */
  requestsPerMinute: number;
  /**
   * Pace kept by all accounts together (GOOGLE_PROJECT_QUOTA_PER_MINUTE): Google
   * also counts every call of the OAuth client's project. Absent: none.
   */
  projectRequestsPerMinute?: number;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Short in-adapter retries; the engine does the long backoff. */
  retry?: Partial<RetryPolicy>;
  /** Per HTTP request. Default 30 s. */
  timeoutMs?: number;
  /**
   * How long quiet polls of all accounts are gathered into one batch request
   * (GOOGLE_POLL_BATCH_WINDOW_MS). Default 100 ms; 0: each poll goes alone.
   */
  pollBatchWindowMs?: number;
  /** Told of each account's pacing and throttling (metrics). */
  pacing?: PacingObserver;
  /**
   * The budget an account's pacer shares with other replicas (by the pacer's
   * key, the pace asked); absent: this process alone calls the account.
   */
  budgetFor?: (key: string, requestsPerMinute: () => number) => CallBudget;
}

/** One Google account: an OAuth client and a user's refresh token, or a service account acting as a Workspace user. */
export type GoogleAccountCredentials =
  | { clientId: string; clientSecret: string; refreshToken: string }
  | { serviceAccount: ServiceAccountKey; subject: string };

export interface GoogleAdapterFactory {
  /** `credential` labels the account's pacing for the observer (never an address or a token). */
  (credentials: GoogleAccountCredentials, credential?: string): CalendarAdapter;
  /** Changes the pace of every account, now and later (the administrator changed the setting). */
  setRequestsPerMinute(requestsPerMinute: number): void;
}

/**
 * Makes Google adapters. Adapters on the same credential share one OAuth
 * client; all credentials of one Google account share one pacer, so all its
 * bindings together stay under the account's quota (SPEC R17), however many
 * tokens it was connected with. A refresh token's account is known once its
 * first call (accountId) has said whose it is; until then it paces alone. A
 * service account acts as a named user, so its pacer is known at once.
 */
export function createGoogleAdapterFactory(options: GoogleAdapterOptions): GoogleAdapterFactory {
  let requestsPerMinute = options.requestsPerMinute;
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const pacers = new Map<string, Pacer>();
  const accounts = new Map<string, GoogleAccount>();
  /** The HTTP client (and connections) every refresh token's sign-in shares. */
  const http = new gaxios.Gaxios();
  const { pacing } = options;
  // One more pacer that every call also waits for, after its account's: writes still go first.
  const project =
    options.projectRequestsPerMinute === undefined
      ? undefined
      : new Pacer(
          options.projectRequestsPerMinute,
          undefined,
          undefined,
          pacing && ((priority, ms) => pacing.waited("google", "project", priority, ms / 1000)),
        );
  if (project) pacing?.pacerCreated("google", "project", () => project.queued);
  // Two seconds of the project's pace: enough that the pacer never runs dry while polls are let in.
  const pollQueueDepth = project && Math.max(20, Math.ceil((options.projectRequestsPerMinute! / 60) * 2));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const polls = new PollBatcher(options.apiRootUrl, options.pollBatchWindowMs ?? DEFAULT_POLL_BATCH_WINDOW_MS, timeoutMs);
  /**
   * `credential` labels the pacer's calls for the observer: the credential
   * that first opened it (never an address or a token).
   */
  const pacerFor = (key: string, credential: string) => {
    let pacer = pacers.get(key);
    if (!pacer) {
      const created = new Pacer(
        requestsPerMinute,
        undefined,
        undefined,
        pacing && ((priority, ms) => pacing.waited("google", credential, priority, ms / 1000)),
      );
      if (options.budgetFor) created.shareBudget(options.budgetFor(key, () => requestsPerMinute));
      pacers.set(key, (pacer = created));
      pacing?.pacerCreated("google", credential, () => created.queued);
    }
    return pacer;
  };
  // Identities compare as Google compares e-mails: without regard to case.
  const pacerOf = (identity: string, credential: string) => pacerFor(`account:${identity.toLowerCase()}`, credential);
  /**
   * The pacer of the account a refresh token turned out to be. The first
   * credential of that account to learn it lends its own pacer (the calls
   * waiting keep their places), paced from then on by the account's shared
   * budget: one pacer per account, not one per credential left behind beside
   * the account's (with thousands of accounts, each spare pacer was about a
   * kilobyte of heap).
   */
  const joinAccount = (identity: string, credentialKey: string, credential: string) => {
    const own = pacers.get(credentialKey);
    pacers.delete(credentialKey);
    const key = `account:${identity.toLowerCase()}`;
    if (!own || pacers.has(key)) return pacerOf(identity, credential);
    pacers.set(key, own);
    if (options.budgetFor) own.shareBudget(options.budgetFor(key, () => requestsPerMinute));
    return own;
  };

  const factory = (credentials: GoogleAccountCredentials, credential = "unnamed"): CalendarAdapter => {
    const delegated = "serviceAccount" in credentials;
    // Hashed keys: the maps hold no secret in clear.
    const accountKey = delegated
      ? digest(credentials.serviceAccount.client_email, credentials.serviceAccount.private_key, credentials.subject)
      : digest(credentials.clientId, credentials.clientSecret, credentials.refreshToken);
    let account = accounts.get(accountKey);
    if (!account) {
      // Service accounts' clients keep their own HTTP client: each redirects its token requests (serviceAccountAuth).
      const auth = delegated
        ? serviceAccountAuth(credentials.serviceAccount, credentials.subject, options.tokenUrl)
        : new RefreshTokenAuth(credentials, options.tokenUrl, http);
      account = new GoogleAccount({
        apiRootUrl: options.apiRootUrl,
        auth,
        signIn: delegated ? "service-account" : "refresh-token",
        pacer: delegated ? pacerOf(credentials.subject, credential) : pacerFor(`credential:${accountKey}`, credential),
        pacerOf: (identity) => (delegated ? pacerOf(identity, credential) : joinAccount(identity, `credential:${accountKey}`, credential)),
        project,
        pollQueueDepth,
        retry,
        timeoutMs,
        polls,
        logger: options.logger,
        onThrottled: pacing && (() => pacing.throttled("google", credential)),
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
