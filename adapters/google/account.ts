import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import type { Logger } from "pino";
import { type AdapterError, RateLimited } from "../types.js";
import { httpStatus, toAdapterError } from "./errors.js";
import type { CallPriority, Pacer } from "./pacer.js";
import { type RetryPolicy, retryDelayMs } from "./retry-policy.js";

export interface GoogleAccountOptions {
  apiRootUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  pacer: Pacer;
  retry: RetryPolicy;
  timeoutMs: number;
  logger?: Pick<Logger, "debug" | "warn">;
  /** Every "slow down" answer, retried or not (metrics). */
  onThrottled?: () => void;
}

/**
 * One Google account as every adapter on it shares it: the OAuth client (one
 * token refresh for all), the API client and the pacer. `call` is the only way
 * to Google: it waits for the pacer, retries what is worth retrying a few
 * times, and turns failures into adapter errors.
 */
export class GoogleAccount {
  readonly api: calendar_v3.Calendar;
  private readonly auth: OAuth2Client;

  constructor(private readonly options: GoogleAccountOptions) {
    this.auth = new OAuth2Client({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      endpoints: { oauth2TokenUrl: options.tokenUrl },
    });
    this.auth.setCredentials({ refresh_token: options.refreshToken });
    this.api = calendar({
      version: "v3",
      // Two copies of google-auth-library (ours, and the one under
      // googleapis-common) whose types differ only in private members.
      auth: this.auth as unknown as calendar_v3.Options["auth"],
      rootUrl: options.apiRootUrl,
      // Retries are ours (below), paced and bounded; the library's would bypass the pacer.
      retry: false,
      timeout: options.timeoutMs,
    });
  }

  async call<T>(operation: string, priority: CallPriority, request: () => Promise<{ data: T }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(operation, priority, request);
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

  private async attempt<T>(operation: string, priority: CallPriority, request: () => Promise<{ data: T }>): Promise<T> {
    for (let reauthorized = false; ; reauthorized = true) {
      await this.options.pacer.acquire(priority);
      try {
        return (await request()).data;
      } catch (error) {
        // A 401 means the access token died early (revoked session, clock skew):
        // drop it and let the client refresh once before calling it revoked.
        if (httpStatus(error) === 401 && !reauthorized) {
          this.auth.setCredentials({ refresh_token: this.options.refreshToken });
          continue;
        }
        const failure = toAdapterError(error, operation);
        if (failure instanceof RateLimited) this.options.onThrottled?.();
        if (!failure.retryable) this.options.logger?.warn({ operation, code: failure.code, status: failure.status }, failure.message);
        throw failure;
      }
    }
  }
}
