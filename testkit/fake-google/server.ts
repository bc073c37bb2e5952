/**
 * # Fake Google Calendar
 *
 * A test peer for Google Calendar API v3 and Google's OAuth token endpoint,
 * on a random loopback port, faithful to the documented behaviour the
 * adapter relies on. Adapter tests, the engine's end-to-end tests and the
 * demo use it.
 *
 * ```ts
 * const google = await startFakeGoogle();
 * const refreshToken = google.addAccount("anna@example.com");
 * const factory = createGoogleAdapterFactory({ apiRootUrl: google.rootUrl, tokenUrl: google.tokenUrl, requestsPerMinute: 500 });
 * const adapter = factory({ clientId: google.clientId, clientSecret: google.clientSecret, refreshToken });
 * google.user.createEvent("anna@example.com", "primary", { summary: "Lunch", start: {...}, end: {...} });
 * await google.close();
 * ```
 *
 * What it serves (paths under `rootUrl`):
 * - `GET o/oauth2/v2/auth` (`authUrl`) — the consent screen, consenting at once
 *   (or refusing, when told) and redirecting to the redirect URI (oauth.ts).
 * - `POST token` — `grant_type=refresh_token` with the client id and secret;
 *   unknown or revoked refresh tokens get `400 {"error":"invalid_grant"}`,
 *   a wrong client `401 {"error":"invalid_client"}`; `authorization_code` with
 *   PKCE, answering an ID token with the e-mail; the JWT-bearer grant of a
 *   service account with domain-wide delegation. Access tokens are checked on
 *   every API call (missing, unknown or expired → 401 `authError`).
 * - `calendar/v3/users/me/calendarList` (list with maxResults/pageToken, get),
 *   `calendar/v3/calendars` (insert, also listed; get, delete; `primary` is the
 *   account's e-mail).
 * - `calendar/v3/calendars/{id}/events`: insert (client ids of 5–1024 base32hex
 *   characters; a reused id is 409, even when that event was deleted),
 *   get, update (revives a cancelled event), patch, delete (already deleted →
 *   410), move (default events only; the source keeps a cancelled tombstone), list, watch. `If-Match` on writes → 412 when stale. Deleted events stay
 *   as `cancelled` tombstones: listed with `showDeleted=true` and always in
 *   incremental listings. `nextSyncToken` on the last page; a stale or
 *   invalidated token → 410 `fullSyncRequired`; timeMin, timeMax, orderBy, q,
 *   iCalUID, updatedMin, private/sharedExtendedProperty beside a syncToken → 400;
 *   so is (deliberately strict) a syncToken used with other singleEvents or
 *   showDeleted flags than the listing that issued it. `singleEvents=true`
 *   expands RRULEs (bounded) into instances `<id>_<YYYYMMDDTHHMMSSZ>` (all-day:
 *   `<id>_<YYYYMMDD>`) with `recurringEventId` and `originalStartTime`; writing an
 *   instance stores an exception.
 * - `POST batch/calendar/v3` — Google's batch endpoint (batch.ts): each part is
 *   served as the same call made alone (its own authentication, quota, faults,
 *   `callLog` entry marked with the batch's number), answered in one multipart
 *   response.
 * - `calendar/v3/channels/stop`. Watch channels POST notifications
 *   (X-Goog-Channel-ID, -Token, -Expiration, X-Goog-Resource-ID, -State `sync`
 *   then `exists`, -URI, X-Goog-Message-Number) to their address; unlike Google,
 *   plain-http loopback addresses are accepted.
 * - Per-user quota (default 600 calls per 60 s, sliding window, counted on calls
 *   it serves) → 403 `usageLimits`/`rateLimitExceeded`.
 * - Errors use Google's shape `{error:{code,message,errors:[{domain,reason,message}]}}`.
 *
 * Test controls: `injectFaults` (status answers with Google's error body and
 * optional Retry-After, latency, dropped connections; per endpoint, method and
 * path), `invalidateSyncTokens`, `revokeToken`, `expireAccessTokens`,
 * `oauth.*` (consentAs, refuseConsent, addServiceAccount, setDelegation),
 * `setQuota`, `callLog`, `writeCount`, `rateLimitErrors`, `tokenRequests`, `httpRequests`, `batchRequests`,
 * `notifications`, and `user.*` to act as the account's owner in Google's UI
 * (no quota, no log, but changes show in the change feed and notify channels).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type ApiAnswer, type BatchAnswerPart, batchResponse, parseBatch } from "./batch.js";
import { CalendarState } from "./calendar-state.js";
import { defaultErrorFor, GoogleApiError, notFound } from "./google-errors.js";
import { GoogleOAuth, OAuthFailure } from "./oauth.js";
import type { GoogleCalendar, GoogleEvent } from "./resources.js";
import { type SentNotification, type WatchChannelRecord, WatchChannels } from "./watch-channels.js";

export type { GoogleCalendar, GoogleEvent, GoogleEventTime } from "./resources.js";
export type { SentNotification, WatchChannelRecord } from "./watch-channels.js";

export interface FakeGoogleOptions {
  clientId?: string;
  clientSecret?: string;
  /** Per-user quota: `limit` calls per `windowMs` (default 600 per 60,000 ms, Google's figure). */
  quota?: { limit: number; windowMs: number };
  /** Largest page of any list, whatever maxResults asks (Google too may return fewer). Default 250. */
  maxPageSize?: number;
  /** Lifetime of access tokens, seconds. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Redirect URIs registered for the OAuth client (exact match). Default: any loopback http(s) URI. */
  redirectUris?: string[];
}

/** One injected misbehaviour; it applies to the next `times` matching calls. */
export interface FaultSpec {
  /** `api` (default) or the OAuth `token` endpoint. */
  endpoint?: "api" | "token";
  /** Only calls with this HTTP method. */
  method?: string;
  /** Only calls whose path (under rootUrl, without query) matches. */
  path?: RegExp;
  /** Answer with this status and Google's error body for it. */
  status?: number;
  /** Override errors[0].reason (e.g. 403 `forbidden`, `userRateLimitExceeded`). */
  reason?: string;
  message?: string;
  retryAfterSeconds?: number;
  /** Wait this long first (alone: a slow but successful call). */
  latencyMs?: number;
  /** Drop the connection without an answer (the client sees a reset). */
  reset?: boolean;
  /** Serve the call, then hold the answer this long: a write that lands while the caller may die waiting. */
  answerDelayMs?: number;
  /** Default 1. */
  times?: number;
}

export interface LoggedCall {
  at: number;
  method: string;
  /** Path under rootUrl, without query. */
  path: string;
  query: Record<string, string>;
  account?: string;
  calendarId?: string;
  /** True for event writes (insert, update, patch, delete). */
  write: boolean;
  status: number;
  /** Set when the call came in a batch request: that request's number (1 for the first batch served). */
  batch?: number;
}

export interface FakeGoogle {
  /** Calendar API root, with a trailing slash (the client library's `rootUrl`). */
  rootUrl: string;
  /** OAuth token endpoint. */
  tokenUrl: string;
  /** OAuth authorization endpoint (the consent screen). */
  authUrl: string;
  clientId: string;
  clientSecret: string;
  /** Creates the account (and its primary calendar, id = e-mail) and returns a new refresh token for it. */
  addAccount(email: string): string;
  /** The token is revoked: refreshing it answers invalid_grant, its access tokens stop working. */
  revokeToken(refreshToken: string): void;
  /** Every access token issued so far is expired; clients must refresh. */
  expireAccessTokens(): void;
  setQuota(limit: number, windowMs?: number): void;
  /** Shorthand for setQuota(n, 60_000). */
  setQuotaPerMinute(perMinute: number): void;
  injectFaults(...faults: FaultSpec[]): void;
  clearFaults(): void;
  /** All sync tokens (of one calendar, or all) become stale → 410 fullSyncRequired. */
  invalidateSyncTokens(calendarId?: string): void;
  /** Every API call that passed authentication, in arrival order (token endpoint not included). */
  readonly callLog: LoggedCall[];
  /** Event writes that reached a handler (whatever their outcome), on one calendar or all. */
  writeCount(calendarId?: string): number;
  /** 403 rateLimitExceeded answers given because the quota ran out (injected faults not counted). */
  readonly rateLimitErrors: number;
  /** Calls to the token endpoint. */
  readonly tokenRequests: number;
  /** HTTP requests to the API (a batch counts once), token endpoint and consent screen not included. */
  readonly httpRequests: number;
  /** Batch requests (`POST batch/calendar/v3`) served. */
  readonly batchRequests: number;
  /** Notifications sent to watch channels. */
  readonly notifications: SentNotification[];
  activeChannels(): WatchChannelRecord[];
  /** Bytes read and written on the server's connections so far (HTTP as sent, token endpoint included). */
  trafficBytes(): number;
  /** Acting as the account's owner in Google's UI. */
  user: UserActions;
  /** The consent screen and the service accounts: who consents, refusals, keys, delegation. */
  oauth: Pick<GoogleOAuth, "consentAs" | "refuseConsent" | "nextGrantWithoutRefreshToken" | "addServiceAccount" | "setDelegation">;
  close(): Promise<void>;
}

export interface UserActions {
  createCalendar(email: string, summary: string, timeZone?: string): GoogleCalendar;
  deleteCalendar(email: string, calendarId: string): void;
  calendars(email: string): GoogleCalendar[];
  /** Inserts an event (recurring when `recurrence: ["RRULE:..."]` is given). */
  createEvent(email: string, calendarId: string, event: Partial<GoogleEvent>): GoogleEvent;
  /** Patches an event (or one instance of a series). */
  updateEvent(email: string, calendarId: string, eventId: string, changes: Partial<GoogleEvent>): GoogleEvent;
  deleteEvent(email: string, calendarId: string, eventId: string): void;
  getEvent(email: string, calendarId: string, eventId: string): GoogleEvent | null;
  /** Stored events (series masters, exceptions, cancelled tombstones). */
  events(email: string, calendarId: string): GoogleEvent[];
  /** Google forgets the calendar's cancelled events (it keeps them only a while) and its sync tokens go stale. */
  purgeCancelled(email: string, calendarId: string): void;
}

interface Fault extends FaultSpec {
  remaining: number;
}

export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const clientId = options.clientId ?? "fake-client-id.apps.googleusercontent.com";
  const clientSecret = options.clientSecret ?? "fake-client-secret";
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 3600;
  let quota = options.quota ?? { limit: 600, windowMs: 60_000 };
  const state = new CalendarState(options.maxPageSize ?? 250);
  const channels = new WatchChannels();
  state.onChange((calendarId) => channels.calendarChanged(calendarId));

  const accounts: string[] = [];
  const oauth = new GoogleOAuth({
    clientId,
    clientSecret,
    accessTokenTtlSeconds: accessTokenTtl,
    redirectUris: options.redirectUris,
    accountExists: (email) => accounts.includes(email),
    firstAccount: () => accounts[0],
  });
  const served = new Map<string, number[]>(); // e-mail → times of served calls, for the quota
  const callLog: LoggedCall[] = [];
  let faults: Fault[] = [];
  let rateLimitErrors = 0;
  let tokenRequests = 0;
  let httpRequests = 0;
  let batchRequests = 0;

  /** `pathNamed`: only a fault whose path matches (the batch request: a fault meant for any call falls on its parts). */
  function takeFault(endpoint: "api" | "token", method: string, path: string, pathNamed = false): Fault | undefined {
    const fault = faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.endpoint ?? "api") === endpoint &&
        (!f.method || f.method.toUpperCase() === method) &&
        (f.path ? f.path.test(path) : !pathNamed),
    );
    if (!fault) return undefined;
    fault.remaining--;
    faults = faults.filter((f) => f.remaining > 0);
    return fault;
  }

  function holdAnswer(res: ServerResponse, ms: number): void {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      setTimeout(() => end(...args), ms);
      return res;
    }) as typeof res.end;
  }

  /** Applies a fault: throws the error answer, or returns "reset"/"continue" after its latency. */
  async function applyFault(fault: Fault | undefined): Promise<"reset" | "continue"> {
    if (!fault) return "continue";
    if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault.reset) return "reset";
    if (fault.status !== undefined) {
      const base = defaultErrorFor(fault.status);
      const reason = fault.reason ?? base.reason;
      const domain = /rateLimit/i.test(reason) ? "usageLimits" : base.domain;
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { "Retry-After": String(fault.retryAfterSeconds) } : {};
      throw new GoogleApiError(fault.status, reason, fault.message ?? base.message, domain, headers);
    }
    return "continue";
  }

  function setQuota(limit: number, windowMs = 60_000): void {
    quota = { limit, windowMs };
    served.clear();
  }

  function withinQuota(email: string): boolean {
    const now = Date.now();
    const times = (served.get(email) ?? []).filter((t) => t > now - quota.windowMs);
    served.set(email, times);
    if (times.length >= quota.limit) return false;
    times.push(now);
    return true;
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    tokenRequests++;
    if ((await applyFault(takeFault("token", req.method ?? "", path))) === "reset") return void req.socket.destroy();
    try {
      sendJson(res, 200, oauth.token(new URLSearchParams(await readBody(req))));
    } catch (error) {
      if (!(error instanceof OAuthFailure)) throw error;
      sendJson(res, error.status, error.body());
    }
  }

  function handleAuthorize(res: ServerResponse, query: URLSearchParams): void {
    const answer = oauth.authorize(query);
    if ("redirect" in answer) {
      res.writeHead(302, { Location: answer.redirect });
      return void res.end();
    }
    sendJson(res, answer.status, answer.body);
  }

  function authenticate(authorization: string | undefined): string {
    const email = oauth.authenticate(authorization);
    if (!email) {
      throw new GoogleApiError(401, "authError", "Invalid Credentials", "global", {
        "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"',
      });
    }
    return email;
  }

  /** One API call, direct or a part of a batch: its answer, or "reset" for a connection to drop. */
  async function serveCall(call: ApiCall, batch?: number): Promise<ApiAnswer | "reset"> {
    let entry: LoggedCall | undefined;
    const answer = await answerCall(call, batch, (logged) => (entry = logged)).catch((error: unknown) => {
      const failure = error instanceof GoogleApiError ? error : defaultErrorFor(500);
      const answer = json(failure.status, failure.body());
      return { ...answer, headers: { ...answer.headers, ...failure.headers } };
    });
    if (entry && answer !== "reset") entry.status = answer.status;
    return answer;
  }

  async function answerCall(call: ApiCall, batch: number | undefined, logged: (entry: LoggedCall) => void): Promise<ApiAnswer | "reset"> {
    const { method, path, query } = call;
    const email = authenticate(call.authorization);
    const route = matchRoute(method, path);
    const entry: LoggedCall = {
      at: Date.now(),
      method,
      path,
      query: Object.fromEntries(query),
      account: email,
      calendarId: route?.calendarId,
      write: route?.write ?? false,
      status: 0,
      ...(batch !== undefined ? { batch } : {}),
    };
    callLog.push(entry);
    logged(entry);
    if (!withinQuota(email)) {
      rateLimitErrors++;
      throw new GoogleApiError(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits");
    }
    const fault = takeFault("api", method, path);
    if ((await applyFault(fault)) === "reset") return "reset";
    const answer = route ? routeCall(route, call, email) : Promise.reject(notFound());
    return { ...(await answer), ...(fault?.answerDelayMs ? { holdMs: fault.answerDelayMs } : {}) };
  }

  async function routeCall(route: Route, call: ApiCall, email: string): Promise<ApiAnswer> {
    const { method, query } = call;
    const body = ["POST", "PUT", "PATCH"].includes(method) ? parseJson(await call.body()) : {};
    const ifMatch = call.ifMatch;
    const params = Object.fromEntries(query);
    const { calendarId = "", eventId = "" } = route;
    switch (route.name) {
      case "calendarList.list":
        return json(200, listCalendars(email, params));
      case "calendarList.get":
        return json(200, listEntry(state.getCalendar(email, calendarId), email));
      case "calendars.insert":
        return json(200, calendarResource(state.insertCalendar(email, body)));
      case "calendars.get":
        return json(200, calendarResource(state.getCalendar(email, calendarId)));
      case "calendars.delete":
        state.deleteCalendar(email, calendarId);
        return EMPTY;
      case "events.list":
        return json(200, partialResponse(state.listEvents(email, calendarId, params), params.fields));
      case "events.insert":
        return json(200, state.insertEvent(email, calendarId, body));
      case "events.get":
        return json(200, state.getEvent(email, calendarId, eventId));
      case "events.update":
        return json(200, state.updateEvent(email, calendarId, eventId, body, ifMatch));
      case "events.patch":
        return json(200, state.patchEvent(email, calendarId, eventId, body, ifMatch));
      case "events.delete":
        state.deleteEvent(email, calendarId, eventId, ifMatch);
        return EMPTY;
      case "events.move":
        if (!params.destination) throw new GoogleApiError(400, "required", "Required parameter: destination");
        return json(200, state.moveEvent(email, calendarId, eventId, params.destination));
      case "events.watch": {
        const calendar = state.getCalendar(email, calendarId);
        const resourceUri = `${rootUrl}calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events`;
        const channel = channels.open(email, calendar.id, resourceUri, body);
        return json(200, {
          kind: "api#channel",
          id: channel.id,
          resourceId: channel.resourceId,
          resourceUri,
          token: channel.token,
          expiration: String(channel.expiration),
        });
      }
      case "channels.stop":
        channels.stop(email, body);
        return EMPTY;
    }
    throw notFound();
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    httpRequests++;
    const call: ApiCall = {
      method: req.method ?? "GET",
      path,
      query,
      authorization: req.headers.authorization,
      ifMatch: req.headers["if-match"] as string | undefined,
      body: () => readBody(req),
    };
    const answer = await serveCall(call);
    if (answer === "reset") return void req.socket.destroy();
    if (answer.holdMs) holdAnswer(res, answer.holdMs);
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  /**
   * Google's batch endpoint: each part is served as the call it carries
   * (its own authentication, quota, faults and log entry) and answered in
   * the multipart response, in the order of the parts. A fault matches the
   * batch request itself only when its `path` matches the batch path; a
   * dropped connection of any part drops the whole batch.
   */
  async function handleBatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    httpRequests++;
    const batch = ++batchRequests;
    const fault = takeFault("api", "POST", BATCH_PATH, true);
    if ((await applyFault(fault)) === "reset") return void req.socket.destroy();
    const requests = parseBatch(req.headers, await readBody(req));
    let holdMs = fault?.answerDelayMs ?? 0;
    const parts: BatchAnswerPart[] = [];
    for (const request of requests) {
      const target = new URL(request.target, "http://fake");
      const answer = await serveCall(
        {
          method: request.method,
          path: target.pathname.replace(/^\//, ""),
          query: target.searchParams,
          authorization: request.headers.authorization,
          ifMatch: request.headers["if-match"],
          body: async () => request.body,
        },
        batch,
      );
      if (answer === "reset") return void req.socket.destroy();
      holdMs = Math.max(holdMs, answer.holdMs ?? 0);
      parts.push({ contentId: request.contentId, ...answer });
    }
    if (holdMs) holdAnswer(res, holdMs);
    const answer = batchResponse(parts);
    res.writeHead(200, { "Content-Type": answer.contentType });
    res.end(answer.body);
  }

  /** Google's `fields` (partial response), top-level names only: `items(id,etag)` keeps `items` whole. */
  function partialResponse(answer: object, fields: string | undefined): object {
    if (fields === undefined) return answer;
    const names = new Set(fields.split(/,(?![^(]*\))/).map((field) => field.split("(")[0].trim()));
    return Object.fromEntries(Object.entries(answer).filter(([name]) => names.has(name)));
  }

  function listCalendars(email: string, params: Record<string, string>): object {
    const all = state.calendarsOf(email);
    const pageSize = Math.min(Number(params.maxResults ?? 100) || 100, 250, state.maxPageSize);
    const offset = params.pageToken ? Number(Buffer.from(params.pageToken, "base64url").toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new GoogleApiError(400, "invalid", "Invalid page token value.");
    const page = all.slice(offset, offset + pageSize);
    const next = offset + pageSize < all.length ? Buffer.from(String(offset + pageSize)).toString("base64url") : undefined;
    return {
      kind: "calendar#calendarList",
      etag: `"${all.length}"`,
      items: page.map((c) => listEntry(c, email)),
      ...(next ? { nextPageToken: next } : { nextSyncToken: "calendar-list-sync" }),
    };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname.replace(/^\//, "");
    const handler =
      path === "token"
        ? handleToken(req, res, path)
        : path === AUTHORIZE_PATH && req.method === "GET"
          ? Promise.resolve(handleAuthorize(res, url.searchParams))
          : path === BATCH_PATH && req.method === "POST"
            ? handleBatch(req, res)
            : handleApi(req, res, path, url.searchParams);
    handler.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof GoogleApiError) return sendJson(res, error.status, error.body(), error.headers);
      sendJson(res, 500, defaultErrorFor(500).body());
    });
  });
  const sockets = new Set<Socket>();
  let closedSocketBytes = 0;
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => {
      sockets.delete(socket);
      closedSocketBytes += socket.bytesRead + socket.bytesWritten;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const rootUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const user: UserActions = {
    createCalendar: (email, summary, timeZone) => state.insertCalendar(email, { summary, timeZone }),
    deleteCalendar: (email, calendarId) => state.deleteCalendar(email, calendarId),
    calendars: (email) => state.calendarsOf(email),
    createEvent: (email, calendarId, event) => state.insertEvent(email, calendarId, event),
    updateEvent: (email, calendarId, eventId, changes) => state.patchEvent(email, calendarId, eventId, changes),
    deleteEvent: (email, calendarId, eventId) => state.deleteEvent(email, calendarId, eventId),
    getEvent(email, calendarId, eventId) {
      try {
        return state.getEvent(email, calendarId, eventId);
      } catch (error) {
        if (error instanceof GoogleApiError && error.status === 404) return null;
        throw error;
      }
    },
    events: (email, calendarId) => state.events(email, calendarId),
    purgeCancelled: (email, calendarId) => state.purgeCancelled(email, calendarId),
  };

  return {
    rootUrl,
    tokenUrl: `${rootUrl}token`,
    authUrl: `${rootUrl}${AUTHORIZE_PATH}`,
    clientId,
    clientSecret,
    addAccount(email) {
      state.addAccount(email);
      if (!accounts.includes(email)) accounts.push(email);
      return oauth.issueRefreshToken(email);
    },
    revokeToken: (refreshToken) => oauth.revoke(refreshToken),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    setQuota,
    setQuotaPerMinute: (perMinute) => setQuota(perMinute, 60_000),
    injectFaults(...specs) {
      faults.push(...specs.map((spec) => ({ ...spec, remaining: spec.times ?? 1 })));
    },
    clearFaults() {
      faults = [];
    },
    trafficBytes() {
      let bytes = closedSocketBytes;
      for (const socket of sockets) bytes += socket.bytesRead + socket.bytesWritten;
      return bytes;
    },
    invalidateSyncTokens: (calendarId) => state.invalidateSyncTokens(calendarId),
    callLog,
    writeCount: (calendarId) => callLog.filter((c) => c.write && (calendarId === undefined || c.calendarId === calendarId)).length,
    get rateLimitErrors() {
      return rateLimitErrors;
    },
    get tokenRequests() {
      return tokenRequests;
    },
    get httpRequests() {
      return httpRequests;
    },
    get batchRequests() {
      return batchRequests;
    },
    notifications: channels.sent,
    activeChannels: () => channels.active(),
    user,
    oauth: {
      consentAs: (email) => oauth.consentAs(email),
      refuseConsent: (error) => oauth.refuseConsent(error),
      nextGrantWithoutRefreshToken: () => oauth.nextGrantWithoutRefreshToken(),
      addServiceAccount: (options) => oauth.addServiceAccount(options),
      setDelegation: (clientEmail, granted) => oauth.setDelegation(clientEmail, granted),
    },
    async close() {
      await channels.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const AUTHORIZE_PATH = "o/oauth2/v2/auth";
const BATCH_PATH = "batch/calendar/v3";

/** An API call as the handlers read it, whether it came alone or in a batch. */
interface ApiCall {
  method: string;
  /** Under rootUrl, without query. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  ifMatch: string | undefined;
  body(): Promise<string>;
}

const EMPTY: ApiAnswer = { status: 204, headers: {}, body: "" };

function json(status: number, body: unknown): ApiAnswer {
  return { status, headers: { "Content-Type": "application/json; charset=UTF-8" }, body: JSON.stringify(body) };
}

interface Route {
  name: string;
  calendarId?: string;
  eventId?: string;
  write: boolean;
}

const ROUTES: [string, RegExp, string, boolean][] = [
  ["GET", /^calendar\/v3\/users\/me\/calendarList$/, "calendarList.list", false],
  ["GET", /^calendar\/v3\/users\/me\/calendarList\/([^/]+)$/, "calendarList.get", false],
  ["POST", /^calendar\/v3\/calendars$/, "calendars.insert", false],
  ["GET", /^calendar\/v3\/calendars\/([^/]+)$/, "calendars.get", false],
  ["DELETE", /^calendar\/v3\/calendars\/([^/]+)$/, "calendars.delete", false],
  ["GET", /^calendar\/v3\/calendars\/([^/]+)\/events$/, "events.list", false],
  ["POST", /^calendar\/v3\/calendars\/([^/]+)\/events$/, "events.insert", true],
  ["POST", /^calendar\/v3\/calendars\/([^/]+)\/events\/watch$/, "events.watch", false],
  ["GET", /^calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/, "events.get", false],
  ["PUT", /^calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/, "events.update", true],
  ["PATCH", /^calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/, "events.patch", true],
  ["DELETE", /^calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/, "events.delete", true],
  ["POST", /^calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)\/move$/, "events.move", true],
  ["POST", /^calendar\/v3\/channels\/stop$/, "channels.stop", false],
];

function matchRoute(method: string, path: string): Route | undefined {
  for (const [routeMethod, pattern, name, write] of ROUTES) {
    const match = routeMethod === method ? pattern.exec(path) : null;
    if (!match) continue;
    return {
      name,
      write,
      calendarId: match[1] === undefined ? undefined : decodeURIComponent(match[1]),
      eventId: match[2] === undefined ? undefined : decodeURIComponent(match[2]),
    };
  }
  return undefined;
}

function calendarResource(calendar: GoogleCalendar): object {
  return { kind: "calendar#calendar", etag: `"${calendar.id}"`, id: calendar.id, summary: calendar.summary, timeZone: calendar.timeZone };
}

function listEntry(calendar: GoogleCalendar, email: string): object {
  return {
    ...calendarResource(calendar),
    kind: "calendar#calendarListEntry",
    accessRole: "owner",
    ...(calendar.id === email ? { primary: true } : {}),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): Record<string, never> {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GoogleApiError(400, "parseError", "Parse Error");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify(body));
}
