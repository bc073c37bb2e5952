import { calendar, type calendar_v3 } from "@googleapis/calendar";
import type { Logger } from "pino";
import type { CallPriority, Pacer } from "../pacer.js";
import { acquireSlots } from "../project-pace.js";
import { type RetryPolicy, retryDelayMs } from "../retry-policy.js";
import { type AdapterError, RateLimited } from "../types.js";
import { type GoogleSignIn, httpStatus, toAdapterError } from "./errors.js";
import { getJson } from "./lean-get.js";
import type { PollBatcher } from "./poll-batcher.js";
import type { GoogleAuth } from "./sign-in.js";

export interface GoogleAccountOptions {
  apiRootUrl: string;
  /** Signed in: a refresh token, or a JWT client acting as a Workspace user. */
  auth: GoogleAuth;
  signIn: GoogleSignIn;
  /** The pace this account keeps until its identity is known (then it joins its account's, see learnIdentity). */
  pacer: Pacer;
  /** The shared pacer of an account identity (its e-mail): calls of every credential of one account share one quota (R17). */
  pacerOf?(identity: string): Pacer;
  /** The pace of every account together (the project's quota), waited for after the account's. */
  project?: Pacer;
  /** How many polls may wait for the project's pace before the next routine poll waits to begin (pollTurn). */
  pollQueueDepth?: number;
  retry: RetryPolicy;
  timeoutMs: number;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Carries the polls of all accounts of the project together (poll-batcher.ts); absent: each goes alone. */
  polls?: PollBatcher;
  /** Every "slow down" answer, retried or not (metrics). */
  onThrottled?: () => void;
}

/**
 * One Google credential as every adapter on it shares it: its sign-in (one
 * token refresh for all) and the pacer. `call` is the only way
 * to Google: it waits for the pacer, retries what is worth retrying a few
 * times, and turns failures into adapter errors.
 */
export class GoogleAccount {
  private pacer: Pacer;
  private identity: string | undefined;

  constructor(private readonly options: GoogleAccountOptions) {
    this.pacer = options.pacer;
  }

  /**
   * The library's API client, made for each call that needs it (about a
   * microsecond): kept, it was 0.9 KiB of heap for each account, and every
   * account needs it at sign-in to find its calendar (heap snapshot with
   * 10,000 accounts, issue 18). Reads that run all day (polls, the sign-in's
   * identity) go without it.
   */
  get api(): calendar_v3.Calendar {
    return calendar({
      version: "v3",
      // Two copies of google-auth-library (ours, and the one under
      // googleapis-common) whose types differ only in private members.
      auth: this.options.auth as unknown as calendar_v3.Options["auth"],
      rootUrl: this.options.apiRootUrl,
      // Retries are ours (below), paced and bounded; the library's would bypass the pacer.
      retry: false,
      timeout: this.options.timeoutMs,
    });
  }

  /**
   * The credential turned out to be this account (a pasted token says whose it
   * is only when asked): from now on its calls go through that account's
   * pacer, shared with every other credential of the same account.
   */
  learnIdentity(identity: string): void {
    if (this.identity === identity || !this.options.pacerOf) return;
    this.identity = identity;
    this.pacer = this.options.pacerOf(identity);
  }

  /**
   * A GET of `path` (under the API root) made without the client library
   * (lean-get.ts), for `call`. A `poll` may travel in a batch with other
   * accounts' polls; any other read goes alone.
   */
  leanGet<T>(path: string, query: Record<string, string | number | boolean | undefined>, poll = false): () => Promise<{ data: T }> {
    return async () => {
      const url = new URL(path, this.options.apiRootUrl);
      for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
      // The sign-in keeps the token and refreshes it before it expires.
      const { token } = await this.options.auth.getAccessToken();
      if (!token) throw new Error("Google gave no access token");
      const { polls } = this.options;
      return poll && polls ? polls.get<T>(url, token) : getJson<T>(url, token, this.options.timeoutMs);
    };
  }

  /**
   * A routine poll begins once few polls wait for the project's pace (they
   * wait behind every other call there): at the end of a start-up of 10,000
   * bindings, the polls of those already incremental otherwise all waited
   * in that queue behind the last imports, about 8 KiB of suspended pass each
   * (heap snapshot, issue 18).
   */
  pollTurn(): Promise<void> | undefined {
    const { project, pollQueueDepth } = this.options;
    return project && pollQueueDepth ? project.room("read", pollQueueDepth) : undefined;
  }

  /** `poll`: a listing that looks for changes, which waits behind every other call at the project's pace. */
  async call<T>(operation: string, priority: CallPriority, request: () => Promise<{ data: T }>, poll = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(operation, priority, request, poll);
      } catch (error) {
        const failure = error as AdapterError;
        const delay = retryDelayMs(failure, attempt, this.options.retry);
        if (delay === undefined) throw failure;
        this.options.logger?.debug(
          { operation, code: failure.code, status: failure.status, attempt, delayMs: Math.round(delay) },
          "retrying Google call",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async attempt<T>(operation: string, priority: CallPriority, request: () => Promise<{ data: T }>, poll: boolean): Promise<T> {
    for (let reauthorized = false; ; reauthorized = true) {
      await acquireSlots(this.pacer, this.options.project, priority, poll);
      try {
        return (await request()).data;
      } catch (error) {
        // A 401 means the access token died early (revoked session, clock skew):
        // drop it and get a new one once before calling it revoked.
        if (httpStatus(error) === 401 && !reauthorized) {
          this.options.auth.forgetAccessToken();
          continue;
        }
        const failure = toAdapterError(error, operation, this.options.signIn);
        if (failure instanceof RateLimited) this.options.onThrottled?.();
        if (!failure.retryable) this.options.logger?.warn({ operation, code: failure.code, status: failure.status }, failure.message);
        throw failure;
      }
    }
  }
}
