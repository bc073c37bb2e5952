import { GraphError } from "./graph-errors.js";

/**
 * Outlook's limits per app and mailbox ("Microsoft Graph service-specific throttling limits",
 * Outlook service limits; "Microsoft Graph throttling guidance"): 10,000 requests per 10 minutes
 * and 4 requests at once. Either answers 429 with Retry-After. The docs name no error code; the
 * fake answers `ApplicationThrottled` with Outlook's "Application is over its … limit." message,
 * as Graph is seen to do. One stored version of the page counts concurrency per app across
 * mailboxes; the fake counts it per mailbox, as the others do.
 */
export class MailboxThrottle {
  rateLimitErrors = 0;
  concurrencyErrors = 0;
  private readonly served = new Map<string, number[]>();
  private readonly running = new Map<string, number>();

  constructor(
    private rate: { limit: number; windowMs: number },
    private concurrency: number,
  ) {}

  setRateLimit(limit: number, windowMs: number): void {
    this.rate = { limit, windowMs };
    this.served.clear();
  }

  setConcurrencyLimit(limit: number): void {
    this.concurrency = limit;
  }

  /** Admits a call for the mailbox or throws the 429; the returned function ends the call. */
  admit(mailbox: string): () => void {
    const now = Date.now();
    const times = (this.served.get(mailbox) ?? []).filter((t) => t > now - this.rate.windowMs);
    this.served.set(mailbox, times);
    if (times.length >= this.rate.limit) {
      this.rateLimitErrors++;
      const retryAfter = Math.max(1, Math.ceil((times[0] + this.rate.windowMs - now) / 1000));
      throw new GraphError(429, "ApplicationThrottled", "Application is over its MailboxRequests limit.", { "Retry-After": String(retryAfter) });
    }
    const running = this.running.get(mailbox) ?? 0;
    if (running >= this.concurrency) {
      this.rateLimitErrors++;
      this.concurrencyErrors++;
      throw new GraphError(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", { "Retry-After": "1" });
    }
    times.push(now);
    this.running.set(mailbox, running + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running.set(mailbox, (this.running.get(mailbox) ?? 1) - 1);
    };
  }
}
