/**
 * # Fake Microsoft Graph (calendar) and Microsoft identity platform
 *
 * A test peer for Microsoft Graph v1.0's calendar API and the identity platform's OAuth v2
 * endpoints, on a random loopback port, faithful to the documented behaviour a Graph client relies
 * on. Tests, benchmarks and the demo use it in place of Microsoft 365.
 *
 * ```ts
 * const graph = await startFakeGraph();
 * const refreshToken = graph.addAccount("anna@example.com");
 * // a client refreshes at graph.tokenUrl with graph.clientId / graph.clientSecret, then calls graph.graphUrl + "me/calendars"
 * graph.user.createEvent("anna@example.com", graph.user.defaultCalendar("anna@example.com").id, { subject: "Lunch", start: {...}, end: {...} });
 * await graph.close();
 * ```
 *
 * What it serves, and the documented behaviour each part follows (page titles from Microsoft Learn):
 * - OAuth (`{authorityUrl}{tenant}/oauth2/v2.0/authorize` and `…/token`): see oauth.ts ("Microsoft
 *   identity platform and OAuth 2.0 authorization code flow"; AADSTS codes from "Microsoft Entra
 *   authentication and authorization error codes"). The tenant is `common`, `organizations`,
 *   `consumers` or the fake's tenantId.
 * - Every Graph call needs a bearer token (401 `InvalidAuthenticationToken`) carrying
 *   Calendars.ReadWrite, or Calendars.Read for reads and subscriptions (403 `ErrorAccessDenied`;
 *   "Change notifications for Outlook resources": subscribing needs read access). Errors have Graph's
 *   shape `{error: {code, message, innerError: {date, request-id, client-request-id}}}` ("Microsoft
 *   Graph error responses and resource types"); answers carry `request-id` and `client-request-id`.
 * - `me` (the signed-in user), `me/calendars` (list, paged by `$top`/`$skip` with
 *   `@odata.nextLink`, default 10; `$filter=name eq '…'`; create with `name`, 201; a name already
 *   used → 409 `ErrorFolderExists`), `me/calendars/{id}` (get, delete; the default calendar can't be
 *   deleted), `me/calendar` (the default, named "Calendar"). `users/{id | upn}/…` works for the
 *   signed-in user only (403 otherwise).
 * - Events under `me/calendars/{id}/events`, `me/calendar/events` and `me/events` (the default
 *   calendar): see event-fields.ts, mailbox-state.ts and event-view.ts ("event resource type",
 *   "Create event", "Get event", "Update event", "Delete event"). Create answers 201; a create with
 *   a `transactionId` seen before in the mailbox answers the event the first one made. GET supports
 *   `$select` and `$expand=singleValueExtendedProperties($filter=id eq '…')` ("Get
 *   singleValueLegacyExtendedProperty"); lists support `$filter=singleValueExtendedProperties/any(…)`.
 *   PATCH replaces the properties it names and keeps the rest. `If-Match` with a stale etag or
 *   change key → 412 `ErrorIrresolvableConflict` (the error-codes page gives 412 for a failed
 *   if-match; the code is what clients report Graph answering, the event pages are silent;
 *   `conflictStatus: 409` for the 409 Conflict, "the current state conflicts"). Times are
 *   answered in UTC unless `Prefer: outlook.timezone`; bodies in HTML unless `Prefer:
 *   outlook.body-content-type="text"` ("Get event"); ids in the immutable form with `Prefer:
 *   IdType="ImmutableId"` ("Obtain immutable identifiers for Outlook resources"; both forms are
 *   accepted as input). Graph v1.0 has no move for events, so only `user.moveEvent` (Outlook's
 *   "move to calendar") changes an event's default id. Series, occurrences and exceptions: see
 *   recurrence.ts and mailbox-state.ts; `me/events/{id}/instances` and `calendarView` list them.
 * - `…/calendarView/delta`: see delta.ts ("event: delta", "Get incremental changes to events in a
 *   calendar view", "Use delta query to track changes in Microsoft Graph data"). `$expand`,
 *   `$select`, `$filter`, `$orderby` and `$search` are refused (400) as the docs don't support them;
 *   `Prefer: odata.maxpagesize` is honoured (default page size, undocumented: 10).
 * - `subscriptions`: see subscriptions.ts ("Receive change notifications through webhooks",
 *   "subscription resource type", "Reduce missing subscriptions and change notifications").
 *   Resources: `me/events` (every calendar), `me/calendar/events`, `me/calendars/{id}/events`.
 * - Acting as the mailbox owner: user-actions.ts. Throttling per mailbox: see throttle.ts ("Microsoft Graph service-specific throttling limits",
 *   "Microsoft Graph throttling guidance").
 *
 * Where the docs are silent the fake chooses, and says so where it does: error codes for all-day
 * and time checks, a retried create's 201, a deleted default calendar's error, the delta page size,
 * notifications for a series (an edited or deleted occurrence notifies `updated` on its master,
 * whose item holds the exceptions in Exchange), dropping a series' exceptions when its times or
 * pattern change (Outlook's behaviour), and unknown properties refused with OData's
 * `RequestBodyRead` while server-owned ones are ignored.
 *
 * Test controls: `addAccount`, `signInAs`, `refuseConsent`, `revokeToken`, `expireRefreshToken`,
 * `expireAccessTokens`, `setRateLimit`, `setConcurrencyLimit`, `injectFaults`, `clearFaults`,
 * `invalidateDeltaTokens`, `sendLifecycleNotification`, `callLog`, `writeCount`,
 * `rateLimitErrors`, `concurrencyErrors`, `tokenRequests`, `notifications`, `subscriptions`,
 * `settle`, `trafficBytes`, and `user.*` to act as the mailbox owner in Outlook (no quota, no log,
 * but changes show in delta and notify subscriptions).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type DeltaReset, DeltaRounds } from "./delta.js";
import { type EventView, hasExtended, renderCalendar, renderEvent } from "./event-view.js";
import { type FaultSpec, Faults, faultDelay } from "./faults.js";
import { accessDenied, badRequest, defaultErrorFor, GraphError, itemNotFound, newRequestId, OAuthError } from "./graph-errors.js";
import { holdAnswer, odataQuery, parseJson, readBody, sendJson } from "./http-messages.js";
import { type Account, type ConflictStatus, type Instance, MailboxState } from "./mailbox-state.js";
import { OAuthServer } from "./oauth.js";
import { type Preferences, parseCount, parseExpand, parseExtendedFilter, parsePrefer, parseSelect } from "./odata.js";
import { matchRoute, type Route, userPath } from "./routes.js";
import { type LifecycleEvent, type SentNotification, type SubscriptionRecord, Subscriptions } from "./subscriptions.js";
import { MailboxThrottle } from "./throttle.js";
import { parseWindowBound } from "./time-zones.js";
import { type UserActions, userActions } from "./user-actions.js";

export type { DeltaReset } from "./delta.js";
export type { FaultSpec } from "./faults.js";
export type { LifecycleEvent, SentNotification, SubscriptionRecord } from "./subscriptions.js";
export type { UserActions } from "./user-actions.js";

export interface FakeGraphOptions {
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  /** Registered redirect URIs (exact match); default any http(s) loopback URI. */
  redirectUris?: string[];
  /** Lifetime of access tokens, seconds. Default 3599 (the docs' example). */
  accessTokenTtlSeconds?: number;
  /** Revoke a refresh token once it has been used (Microsoft does not; default false). */
  revokeRotatedRefreshTokens?: boolean;
  /** Per mailbox: `limit` calls per `windowMs`. Default 10,000 per 600,000 ms (Outlook's limit). */
  rateLimit?: { limit: number; windowMs: number };
  /** Concurrent calls per mailbox. Default 4 (Outlook's limit). */
  concurrencyLimit?: number;
  /** Status for a stale If-Match. Default 412. */
  conflictStatus?: ConflictStatus;
  /** Delta page size when the client sends no `Prefer: odata.maxpagesize`. Default 10. */
  deltaPageSize?: number;
  /** Longest subscription, minutes ahead. Default 4,230 (Outlook events, per the stored docs). */
  maxSubscriptionMinutes?: number;
  /** How long a validation request may take. Default 10,000 ms (the docs' figure). */
  validationTimeoutMs?: number;
}

export interface LoggedCall {
  at: number;
  method: string;
  /** Path under graphUrl, without query. */
  path: string;
  query: Record<string, string>;
  account: string;
  calendarId?: string;
  /** True for event writes (create, update, delete). */
  write: boolean;
  status: number;
}

export interface FakeGraph {
  /** Graph's root with version and trailing slash, e.g. http://127.0.0.1:port/v1.0/ */
  graphUrl: string;
  /** The identity platform's root, e.g. http://127.0.0.1:port/ (tenant paths under it). */
  authorityUrl: string;
  /** `{authorityUrl}{tenantId}/oauth2/v2.0/authorize` */
  authorizeUrl: string;
  /** `{authorityUrl}{tenantId}/oauth2/v2.0/token` */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  /**
   * Creates the mailbox (with its default calendar) and returns a refresh token as if its owner had
   * consented to `scopes` (default openid, email, offline_access, Calendars.ReadWrite).
   */
  addAccount(email: string, options?: { displayName?: string; scopes?: string[] }): string;
  /** Who the next sign-ins at authorize consent as (else the login_hint's mailbox, else the last added). */
  signInAs(email: string): void;
  /** The next authorize request is refused: access_denied (AADSTS65004) to the redirect URI. */
  refuseConsent(description?: string): void;
  /** Refreshing this token answers invalid_grant (AADSTS50173). */
  revokeToken(refreshToken: string): void;
  /** Refreshing this token answers invalid_grant (AADSTS700082, inactivity). */
  expireRefreshToken(refreshToken: string): void;
  /** Every access token issued so far is expired; clients must refresh. */
  expireAccessTokens(): void;
  setRateLimit(limit: number, windowMs?: number): void;
  setConcurrencyLimit(limit: number): void;
  injectFaults(...faults: FaultSpec[]): void;
  clearFaults(): void;
  /** Delta tokens (of one calendar, or all) stop working: 410 syncStateNotFound, or 410 resyncRequired with `reason: "reset"`. */
  invalidateDeltaTokens(options?: { calendarId?: string; reason?: DeltaReset }): void;
  /** Graph sends a lifecycle notification for the subscription (and acts on it); await settle() for its delivery. */
  sendLifecycleNotification(subscriptionId: string, lifecycleEvent: LifecycleEvent): void;
  /** Every Graph call that passed authentication, in arrival order (OAuth endpoints not included). */
  readonly callLog: LoggedCall[];
  /** Event writes that reached the fake (whatever their outcome), in one calendar or all. */
  writeCount(calendarId?: string): number;
  /** 429 answers the fake's own limits gave (rate and concurrency; injected faults not counted). */
  readonly rateLimitErrors: number;
  /** The part of rateLimitErrors due to the concurrency limit. */
  readonly concurrencyErrors: number;
  /** Calls to the token endpoint. */
  readonly tokenRequests: number;
  /** Validation requests, change and lifecycle notifications sent, in order. */
  readonly notifications: SentNotification[];
  /** Live subscriptions. */
  subscriptions(): SubscriptionRecord[];
  /** Waits for notifications still being delivered. */
  settle(): Promise<void>;
  /** Bytes read and written on the server's connections so far (OAuth endpoints included). */
  trafficBytes(): number;
  /** Acting as the mailbox owner in Outlook. */
  user: UserActions;
  close(): Promise<void>;
}

const DEFAULT_SCOPES = ["openid", "email", "offline_access", "Calendars.ReadWrite"];
const LIST_PAGE = 10;

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const clientId = options.clientId ?? "6731de76-14a6-49ae-97bc-6eba6914391e";
  const clientSecret = options.clientSecret ?? "fake~graph~client~secret";
  const tenantId = options.tenantId ?? "9188040d-6c67-4c5b-b112-36a304b66dad";
  const state = new MailboxState(options.conflictStatus ?? 412);
  const throttle = new MailboxThrottle(options.rateLimit ?? { limit: 10_000, windowMs: 600_000 }, options.concurrencyLimit ?? 4);
  const faults = new Faults();
  const delta = new DeltaRounds(state, options.deltaPageSize ?? LIST_PAGE);
  const subscriptions = new Subscriptions({
    maxMinutes: options.maxSubscriptionMinutes ?? 4230,
    validationTimeoutMs: options.validationTimeoutMs ?? 10_000,
    tenantId,
    clientId,
  });
  state.onChange((change) => subscriptions.changed(change));
  const callLog: LoggedCall[] = [];
  let signedIn: string | undefined;
  let lastAdded: string | undefined;
  let rootUrl = "";
  const graphUrl = () => `${rootUrl}v1.0/`;

  const oauth = new OAuthServer(
    {
      clientId,
      clientSecret,
      tenantId,
      redirectUris: options.redirectUris,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3599,
      revokeRotatedRefreshTokens: options.revokeRotatedRefreshTokens ?? false,
    },
    () => rootUrl,
    (loginHint) => {
      const email = [loginHint, signedIn, lastAdded].find((e) => e !== undefined && accountOf(e));
      const account = email ? accountOf(email) : undefined;
      return account && { email: account.email, oid: account.oid, displayName: account.displayName };
    },
  );

  function accountOf(email: string): Account | undefined {
    try {
      return state.account(email);
    } catch {
      return undefined;
    }
  }

  const organizer = (email: string) => ({ name: state.account(email).displayName, address: email });
  const calendarIdOf = (email: string, id: string | undefined) =>
    id === undefined || id === "default" ? state.account(email).defaultCalendarId : id;

  // ---- OAuth ----------------------------------------------------------------

  async function handleOAuth(req: IncomingMessage, res: ServerResponse, tenant: string, endpoint: "authorize" | "token", query: URLSearchParams) {
    const fault = faults.take(endpoint, req.method ?? "GET", endpoint);
    if ((await faultDelay(fault)) === "reset") return void req.socket.destroy();
    if (endpoint === "authorize") {
      if (fault?.status)
        return sendJson(res, fault.status, { error: fault.code ?? "server_error", error_description: fault.message ?? "Injected fault" });
      const answer = oauth.authorize(tenant, query);
      if ("redirect" in answer) {
        res.writeHead(302, { Location: answer.redirect });
        return void res.end();
      }
      return sendJson(res, answer.status, answer.body);
    }
    try {
      if (req.method !== "POST") throw new OAuthError(400, "invalid_request", 900561, "The endpoint only accepts POST requests.");
      const form = new URLSearchParams(await readBody(req));
      if (fault?.status)
        throw new OAuthError(fault.status, fault.code ?? "temporarily_unavailable", 50000, fault.message ?? "There was an error issuing a token.");
      sendJson(res, 200, oauth.token(tenant, form, req.headers.authorization), { "Cache-Control": "no-store", Pragma: "no-cache" });
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      sendJson(res, error.status, error.body());
    }
  }

  // ---- Graph ------------------------------------------------------------------

  async function handleGraph(req: IncomingMessage, res: ServerResponse, rawPath: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? "GET";
    const token = oauth.authenticate(req.headers.authorization);
    const email = token.email;
    const { user, path } = userPath(rawPath);
    const route = matchRoute(method, path);
    const entry: LoggedCall = {
      at: Date.now(),
      method,
      path: rawPath,
      query: Object.fromEntries(query),
      account: email,
      calendarId: route && loggedCalendar(email, route),
      write: route?.write ?? false,
      status: 0,
    };
    callLog.push(entry);
    res.on("finish", () => (entry.status = res.statusCode));
    const release = throttle.admit(email);
    res.on("close", release);
    const fault = faults.take("api", method, rawPath);
    if ((await faultDelay(fault)) === "reset") return void req.socket.destroy();
    if (fault?.status !== undefined) {
      const base = defaultErrorFor(fault.status);
      const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) };
      throw new GraphError(fault.status, fault.code ?? base.code, fault.message ?? base.message, headers);
    }
    if (fault?.answerDelayMs) holdAnswer(res, fault.answerDelayMs);
    if (user !== undefined && user.toLowerCase() !== email.toLowerCase() && user !== state.account(email).oid) throw accessDenied();
    if (!route) throw badRequest("BadRequest", `Resource not found for the segment '${path.split("/").pop()}'.`);
    // Subscriptions need only read access to what they watch ("Change notifications for Outlook resources").
    if (route.name !== "me.get") oauth.requirePermission(token, method !== "GET" && !route.name.startsWith("subscriptions."));
    const body = method === "POST" || method === "PATCH" ? parseJson(await readBody(req)) : {};
    const prefer = parsePrefer(req.headers.prefer);
    const answer = await dispatch(route, email, body, query, prefer, req.headers["if-match"] as string | undefined, path);
    const headers: Record<string, string> = prefer.applied.length ? { "Preference-Applied": prefer.applied.join(", ") } : {};
    if (answer === undefined) {
      res.writeHead(204, headers);
      return void res.end();
    }
    sendJson(res, answer.status, answer.body, { ...headers, ...answer.headers });
  }

  function loggedCalendar(email: string, route: Route): string | undefined {
    if (route.eventId !== undefined) return state.calendarOf(email, route.eventId);
    return route.calendarId === undefined ? undefined : calendarIdOf(email, route.calendarId);
  }

  type Answer = { status: number; body: unknown; headers?: Record<string, string> } | undefined;

  async function dispatch(
    route: Route,
    email: string,
    body: Record<string, unknown>,
    query: URLSearchParams,
    prefer: Preferences,
    ifMatch: string | undefined,
    path: string,
  ): Promise<Answer> {
    const account = state.account(email);
    const context = (suffix: string) => `${graphUrl()}$metadata#users('${account.oid}')/${suffix}`;
    const view: EventView = {
      idForm: prefer.idForm,
      timeZone: prefer.timeZone,
      bodyType: prefer.bodyType,
      extended: parseExpand(query.get("$expand") ?? undefined),
      select: parseSelect(query.get("$select") ?? undefined),
      organizer: organizer(email),
    };
    const ok = (value: unknown, status = 200): Answer => ({ status, body: value });
    const calendarId = calendarIdOf(email, route.calendarId);
    switch (route.name) {
      case "me.get":
        return ok({
          "@odata.context": `${graphUrl()}$metadata#users/$entity`,
          id: account.oid,
          displayName: account.displayName,
          mail: account.email,
          userPrincipalName: account.email,
        });
      case "calendars.list": {
        const name = /^name eq '((?:[^']|'')*)'$/i.exec(query.get("$filter") ?? "");
        if (query.has("$filter") && !name) throw badRequest("BadRequest", `Invalid filter clause: ${query.get("$filter")}`);
        const all = state.calendarsOf(email).filter((c) => !name || c.name.toLowerCase() === name[1].replace(/''/g, "'").toLowerCase());
        return ok(
          page(
            all.map((c) => renderCalendar(c, organizer(email))),
            query,
            `me/calendars`,
            context("calendars"),
          ),
        );
      }
      case "calendars.create":
        return ok({ "@odata.context": context("calendars/$entity"), ...renderCalendar(state.createCalendar(email, body), organizer(email)) }, 201);
      case "calendars.get":
        return ok({ "@odata.context": context("calendars/$entity"), ...renderCalendar(state.calendar(email, calendarId), organizer(email)) });
      case "calendars.delete":
        state.deleteCalendar(email, calendarId);
        return undefined;
      case "events.list": {
        state.calendar(email, calendarId);
        const filter = parseExtendedFilter(query.get("$filter") ?? undefined);
        if (query.has("$orderby") || query.has("$search")) throw badRequest("BadRequest", "The fake does not order or search event lists.");
        const events = state
          .eventsIn(calendarId)
          .filter((e) => !filter || hasExtended(e.extended, filter.id, filter.value))
          .map((e) => renderEvent(state.instance(e), view));
        return ok(page(events, query, path, context(`calendars('${calendarId}')/events`)));
      }
      case "events.create": {
        const { instance } = state.create(email, calendarId, body);
        return ok({ "@odata.context": context("events/$entity"), ...renderEvent(instance, { ...view, extended: undefined }) }, 201);
      }
      case "events.get":
        return ok({ "@odata.context": context("events/$entity"), ...renderEvent(eventAt(email, route), view) });
      case "events.update": {
        eventAt(email, route);
        return ok({ "@odata.context": context("events/$entity"), ...renderEvent(state.update(email, route.eventId!, body, ifMatch), view) });
      }
      case "events.delete":
        eventAt(email, route);
        state.delete(email, route.eventId!, ifMatch);
        return undefined;
      case "events.instances": {
        const master = eventAt(email, route);
        const [from, to] = window(query);
        const instances = master.event.series
          ? state.seriesInstances(master.event, to).filter((i) => i.end.toMillis() > from && i.start.toMillis() < to)
          : [];
        return ok(
          page(
            sorted(instances).map((i) => renderEvent(i, view)),
            query,
            path,
            context("events"),
          ),
        );
      }
      case "calendarView.list": {
        state.calendar(email, calendarId);
        const [from, to] = window(query);
        return ok(
          page(
            sorted(state.instancesIn(calendarId, from, to)).map((i) => renderEvent(i, view)),
            query,
            path,
            context("calendarView"),
          ),
        );
      }
      case "calendarView.delta":
        return deltaPage(email, calendarId, query, prefer, view, path);
      case "subscriptions.list":
        return ok({ "@odata.context": `${graphUrl()}$metadata#subscriptions`, value: subscriptions.list(email).map((s) => subscriptions.render(s)) });
      case "subscriptions.create": {
        const record = await subscriptions.create(account, body, prefer.idForm, (resource) => watchedCalendars(email, resource));
        return ok({ "@odata.context": `${graphUrl()}$metadata#subscriptions/$entity`, ...subscriptions.render(record) }, 201);
      }
      case "subscriptions.get":
        return ok({
          "@odata.context": `${graphUrl()}$metadata#subscriptions/$entity`,
          ...subscriptions.render(subscriptions.get(email, route.subscriptionId!)),
        });
      case "subscriptions.update": {
        const record = await subscriptions.update(email, route.subscriptionId!, body);
        return ok({ "@odata.context": `${graphUrl()}$metadata#subscriptions/$entity`, ...subscriptions.render(record) });
      }
      case "subscriptions.delete":
        subscriptions.delete(email, route.subscriptionId!);
        return undefined;
      case "subscriptions.reauthorize":
        subscriptions.reauthorize(email, route.subscriptionId!);
        return ok(undefined);
    }
  }

  /** The instance an event route names; a calendars/{id} path must hold it. */
  function eventAt(email: string, route: Route): Instance {
    const { event, originalStart } = state.resolve(email, route.eventId!);
    if (route.calendarId !== "default" && event.calendarId !== route.calendarId) throw itemNotFound();
    return state.instance(event, originalStart);
  }

  function deltaPage(email: string, calendarId: string, query: URLSearchParams, prefer: Preferences, view: EventView, path: string): Answer {
    state.calendar(email, calendarId);
    for (const option of ["$expand", "$select", "$filter", "$orderby", "$search"]) {
      if (query.has(option)) throw badRequest("ErrorInvalidUrlQuery", `The query parameter '${option}' is not supported with delta.`);
    }
    const link = (params: Record<string, string>) => `${graphUrl()}${path}?${odataQuery(params)}`;
    const result = delta.page(
      email,
      calendarId,
      {
        startDateTime: parseWindowBound(query.get("startDateTime") ?? query.get("startdatetime") ?? undefined, "startDateTime"),
        endDateTime: parseWindowBound(query.get("endDateTime") ?? query.get("enddatetime") ?? undefined, "endDateTime"),
        deltaToken: query.get("$deltatoken") ?? query.get("$deltaToken") ?? undefined,
        skipToken: query.get("$skiptoken") ?? query.get("$skipToken") ?? undefined,
      },
      prefer.maxPageSize,
      (from, to) => link({ startDateTime: new Date(from).toISOString(), endDateTime: new Date(to).toISOString() }),
    );
    const value = result.items.map((item) =>
      "instance" in item
        ? { "@odata.type": "#microsoft.graph.event", ...renderEvent(item.instance, { ...view, extended: undefined }) }
        : { "@odata.type": "#microsoft.graph.event", id: item.removed[view.idForm], "@removed": { reason: "deleted" } },
    );
    return {
      status: 200,
      body: {
        "@odata.context": `${graphUrl()}$metadata#Collection(event)`,
        ...(result.skipToken
          ? { "@odata.nextLink": link({ $skiptoken: result.skipToken }) }
          : { "@odata.deltaLink": link({ $deltatoken: result.deltaToken! }) }),
        value,
      },
    };
  }

  function watchedCalendars(email: string, resource: string): string[] | undefined {
    const { path } = userPath(resource.replace(/^\//, ""));
    if (/^me\/events$/i.test(path)) return undefined;
    if (/^me\/calendar\/events$/i.test(path)) return [state.account(email).defaultCalendarId];
    const match = /^me\/calendars(?:\/([^/]+)|\('([^']+)'\))\/events$/i.exec(path);
    if (!match)
      throw badRequest("InvalidRequest", `The resource '${resource}' is not supported; subscribe to me/events or me/calendars/{id}/events.`);
    return [state.calendar(email, decodeURIComponent(match[1] ?? match[2])).id];
  }

  /** A list page: `$top` (default 10) from `$skip`, with an @odata.nextLink while more remain. */
  function page(items: unknown[], query: URLSearchParams, path: string, context: string): object {
    const top = parseCount(query.get("$top") ?? undefined, "$top") ?? LIST_PAGE;
    const skip = parseCount(query.get("$skip") ?? undefined, "$skip") ?? 0;
    const next = { ...Object.fromEntries(query), $top: String(top), $skip: String(skip + top) };
    return {
      "@odata.context": context,
      value: items.slice(skip, skip + top),
      ...(skip + top < items.length ? { "@odata.nextLink": `${graphUrl()}${path}?${odataQuery(next)}` } : {}),
    };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const oauthPath = /^\/([^/]+)\/oauth2\/v2\.0\/(authorize|token)$/.exec(url.pathname);
    const requestId = newRequestId();
    const clientRequestId = (req.headers["client-request-id"] as string | undefined) ?? requestId;
    res.setHeader("request-id", requestId);
    res.setHeader("client-request-id", clientRequestId);
    const handled = oauthPath
      ? handleOAuth(req, res, decodeURIComponent(oauthPath[1]), oauthPath[2] as "authorize" | "token", url.searchParams)
      : url.pathname.startsWith("/v1.0/")
        ? handleGraph(req, res, url.pathname.slice("/v1.0/".length), url.searchParams)
        : Promise.reject(badRequest("BadRequest", "Invalid version: the fake serves /v1.0/ only."));
    handled.catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      const graphError = error instanceof GraphError ? error : defaultErrorFor(500);
      sendJson(res, graphError.status, graphError.body(requestId, clientRequestId), graphError.headers);
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
  rootUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const user = userActions(state, organizer);

  return {
    graphUrl: graphUrl(),
    authorityUrl: rootUrl,
    authorizeUrl: `${rootUrl}${tenantId}/oauth2/v2.0/authorize`,
    tokenUrl: `${rootUrl}${tenantId}/oauth2/v2.0/token`,
    clientId,
    clientSecret,
    tenantId,
    addAccount(email, accountOptions = {}) {
      const account = state.addAccount(email, accountOptions.displayName ?? email.split("@")[0]);
      lastAdded = email;
      return oauth.issueRefreshToken({ email, oid: account.oid, displayName: account.displayName }, accountOptions.scopes ?? DEFAULT_SCOPES);
    },
    signInAs(email) {
      state.account(email);
      signedIn = email;
    },
    refuseConsent: (description = "The user has denied access to the scope requested by the client application.") => oauth.refuseConsent(description),
    revokeToken: (refreshToken) => oauth.revoke(refreshToken),
    expireRefreshToken: (refreshToken) => oauth.expire(refreshToken),
    expireAccessTokens: () => oauth.expireAccessTokens(),
    setRateLimit: (limit, windowMs = 600_000) => throttle.setRateLimit(limit, windowMs),
    setConcurrencyLimit: (limit) => throttle.setConcurrencyLimit(limit),
    injectFaults: (...specs) => faults.add(specs),
    clearFaults: () => faults.clear(),
    invalidateDeltaTokens: ({ calendarId, reason = "expired" } = {}) => delta.invalidate(calendarId, reason),
    sendLifecycleNotification: (subscriptionId, lifecycleEvent) => subscriptions.lifecycle(subscriptionId, lifecycleEvent),
    callLog,
    writeCount: (calendarId) => callLog.filter((c) => c.write && (calendarId === undefined || c.calendarId === calendarId)).length,
    get rateLimitErrors() {
      return throttle.rateLimitErrors;
    },
    get concurrencyErrors() {
      return throttle.concurrencyErrors;
    },
    get tokenRequests() {
      return oauth.tokenRequests;
    },
    notifications: subscriptions.sent,
    subscriptions: () => subscriptions.list(),
    settle: () => subscriptions.settle(),
    trafficBytes() {
      let bytes = closedSocketBytes;
      for (const socket of sockets) bytes += socket.bytesRead + socket.bytesWritten;
      return bytes;
    },
    user,
    async close() {
      await subscriptions.settle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A calendar view in start order (Graph's calendarView lists are ordered so unless $orderby says otherwise). */
function sorted(instances: Instance[]): Instance[] {
  return [...instances].sort((a, b) => a.start.toMillis() - b.start.toMillis());
}

/** startDateTime and endDateTime, both required (the docs' error when missing). */
function window(query: URLSearchParams): [number, number] {
  const from = parseWindowBound(query.get("startDateTime") ?? query.get("startdatetime") ?? undefined, "startDateTime");
  const to = parseWindowBound(query.get("endDateTime") ?? query.get("enddatetime") ?? undefined, "endDateTime");
  if (from === undefined || to === undefined) {
    throw badRequest(
      "ErrorInvalidParameter",
      "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );
  }
  return [from, to];
}
