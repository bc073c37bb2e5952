// What a provider that paces its calls per account reports, for the service's
// metrics. Accounts are named by a credential label the engine chooses
// (`company`, `operator:<id>`), never by an e-mail address or a token.
export interface PacingObserver {
  /** A pacer came to be; `queued` tells the calls waiting on it whenever they are counted. */
  pacerCreated(provider: string, credential: string, queued: () => number): void;
  /** A call waited this long for its slot. */
  waited(provider: string, credential: string, priority: "write" | "read", seconds: number): void;
  /** The provider answered "slow down" (HTTP 429, a rate-limit 403), whether the call was then retried or not. */
  throttled(provider: string, credential: string): void;
}
