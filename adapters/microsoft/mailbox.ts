// One Microsoft 365 mailbox as every adapter on it shares it: the access
// token (one refresh for all), the pacer (rate and calls in flight, which
// Outlook limits per mailbox) and the way every Graph call is made. `call` is
// the only way to Graph: it waits for the pacer, retries what is worth a few
// quick retries, holds the whole mailbox for a Retry-After, and turns
// failures into adapter errors.
import type { Logger } from "pino";
import { type AdapterError, type CallPriority, type Pacer, Permanent, RateLimited, type RetryPolicy, retryDelayMs } from "../public.js";
import { graphError, networkError, tokenError } from "./errors.js";

export interface MailboxOptions {
  /** Graph's root with its version, e.g. https://graph.microsoft.com/v1.0/ */
  graphUrl: string;
  /** The identity platform's token endpoint for the tenant. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  scopes: readonly string[];
  pacer: Pacer;
  retry: RetryPolicy;
  timeoutMs: number;
  fetch: typeof fetch;
  logger?: Pick<Logger, "debug" | "warn">;
}

export interface GraphRequest {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  /** A path under the Graph root, or a link Graph gave (nextLink, deltaLink). */
  path: string;
  priority: CallPriority;
  body?: unknown;
  ifMatch?: string;
  /** Prefer: odata.maxpagesize. */
  maxPageSize?: number;
}

/**
 * Immutable ids (they survive a move between calendars: "Obtain immutable
 * identifiers for Outlook resources"), times in UTC (each event's own zone is
 * in originalStartTimeZone) and bodies as plain text.
 */
const PREFER = 'IdType="ImmutableId", outlook.timezone="UTC", outlook.body-content-type="text"';
/** An access token is refreshed this long before Microsoft says it expires. */
const EARLY_REFRESH_MS = 5 * 60_000;

export class GraphMailbox {
  private accessToken: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  /** The newest refresh token: Microsoft answers every refresh with a new one and expects the old one dropped. */
  private refreshToken: string;

  constructor(private readonly options: MailboxOptions) {
    this.refreshToken = options.refreshToken;
  }

  get graphUrl(): string {
    return this.options.graphUrl;
  }

  async call<T>(operation: string, request: GraphRequest): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.pacer.run(request.priority, () => this.send<T>(operation, request, false));
      } catch (error) {
        const failure = error as AdapterError;
        // Graph throttles the mailbox, not the call: every binding on it waits.
        if (failure instanceof RateLimited && failure.retryAfterMs) this.options.pacer.hold(failure.retryAfterMs);
        const delay = retryDelayMs(failure, attempt, this.options.retry);
        if (delay === undefined) {
          if (!failure.retryable) this.options.logger?.warn({ operation, code: failure.code, status: failure.status }, failure.message);
          throw failure;
        }
        this.options.logger?.debug(
          { operation, code: failure.code, status: failure.status, attempt, delayMs: Math.round(delay) },
          "retrying Graph call",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private url(path: string): string {
    if (!/^https?:/i.test(path)) return `${this.options.graphUrl}${path}`;
    // Links come from Graph (and through stored sync tokens): they must lead back to it, as the access token goes with them.
    if (!path.startsWith(this.options.graphUrl)) throw new Permanent("a link that does not lead to the configured Graph address");
    return path;
  }

  private async send<T>(operation: string, request: GraphRequest, reauthorized: boolean): Promise<T> {
    const url = this.url(request.path);
    const token = await this.token();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Prefer: request.maxPageSize ? `${PREFER}, odata.maxpagesize=${request.maxPageSize}` : PREFER,
    };
    if (request.body !== undefined) headers["Content-Type"] = "application/json";
    if (request.ifMatch) headers["If-Match"] = request.ifMatch;
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(url, {
        method: request.method ?? "GET",
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError(operation, error);
    }
    // A 401 means the access token died early (revoked session, clock skew): refresh once before calling it revoked.
    if (response.status === 401 && !reauthorized) {
      this.accessToken = null;
      return this.send(operation, request, true);
    }
    const body = parseJson(text);
    if (!response.ok) throw graphError(operation, response.status, body, response.headers.get("retry-after"));
    return body as T;
  }

  /** A valid access token; one refresh at a time for every caller of the mailbox. */
  private token(): Promise<string> {
    if (this.accessToken && this.accessToken.expiresAt > Date.now()) return Promise.resolve(this.accessToken.value);
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scopes, timeoutMs } = this.options;
    let response: Response;
    let text: string;
    try {
      response = await this.options.fetch(tokenUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          client_id: clientId,
          client_secret: clientSecret,
          grant_type: "refresh_token",
          refresh_token: this.refreshToken,
          scope: scopes.join(" "),
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError("token refresh", error);
    }
    const body = parseJson(text) as { access_token?: unknown; expires_in?: unknown; refresh_token?: unknown } | undefined;
    if (!response.ok || typeof body?.access_token !== "string") throw tokenError(response.status, body);
    if (typeof body.refresh_token === "string" && body.refresh_token) this.refreshToken = body.refresh_token;
    const lifetimeMs = (typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in) || 3600) * 1000;
    this.accessToken = { value: body.access_token, expiresAt: Date.now() + Math.max(lifetimeMs - EARLY_REFRESH_MS, lifetimeMs / 2) };
    return body.access_token;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
