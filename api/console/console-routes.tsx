// The admin console at / (the API stays under /api): server-rendered pages that
// read through the API itself, in process, with the visitor's session cookie,
// so they show what the API answers and no rule exists twice. Changes go from
// the page's script to the same /api routes, with the session's CSRF token.
import type { Context } from "hono";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { ActorView, FailureView } from "../../db/queries/actors.js";
import type { JournalView } from "../../db/queries/journal.js";
import { linkedEventsOf } from "../../db/queries/links.js";
import { liveSession } from "../../db/queries/sessions.js";
import type { StateChangeView } from "../../db/queries/state-changes.js";
import type { CredentialView } from "../credential-views.js";
import type { AppEnv, TokenKind } from "../deps.js";
import { csrfTokenOf, SESSION_COOKIE, sessionHash } from "../session-tokens.js";
import { ActorPage, type JournalPaging } from "./actor-page.js";
import type { BindingAnswer, EventTypeAnswer, OperatorAnswer, SettingsAnswer, TaskAnswer } from "./answers.js";
import { ConfigurationPage, credentialOf } from "./configuration-page.js";
import { consoleScript } from "./console-script.js";
import { consoleStyle } from "./console-style.js";
import { Layout } from "./layout.js";
import { LANGUAGE_COOKIE, languageOf, messagesFor } from "./messages.js";
import { OperatorPage } from "./operator-page.js";
import { OverviewPage } from "./overview-page.js";
import { SignInForm } from "./sign-in-page.js";
import { type TaskFilter, TasksPage } from "./tasks-page.js";
import type { Viewer } from "./viewer.js";

/** The app's own fetch: the console's reads go through the API's routes. */
export type ApiFetch = (url: string, init: RequestInit) => Response | Promise<Response>;

class SignedOut extends Error {}

const JOURNAL_PAGE = 25;

export function consoleRoutes(apiFetch: ApiFetch) {
  const app = new Hono<AppEnv>();

  const read = async <T,>(c: Context<AppEnv>, path: string): Promise<T> => {
    const response = await apiFetch(new URL(path, c.req.url).toString(), {
      headers: { cookie: c.req.header("cookie") ?? "", "accept-language": c.req.header("accept-language") ?? "" },
    });
    if (response.status === 401) throw new SignedOut();
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };

  const viewerOf = async (c: Context<AppEnv>): Promise<Viewer | null> => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await liveSession(c.var.db, sessionHash(token)) : null;
    if (!token || !session) return null;
    const language = languageOf(c);
    return { kind: session.kind as TokenKind, csrf: csrfTokenOf(c.var.secrets, token), language, t: messagesFor(language) };
  };

  /** A page for a signed-in visitor; anyone else is sent to sign in. */
  const page = (render: (c: Context<AppEnv>, viewer: Viewer) => Promise<Response>) => async (c: Context<AppEnv>) => {
    const viewer = await viewerOf(c);
    if (!viewer) return c.redirect("/sign-in", 303);
    try {
      c.header("cache-control", "no-store");
      return await render(c, viewer);
    } catch (error) {
      if (error instanceof SignedOut) return c.redirect("/sign-in", 303);
      throw error;
    }
  };

  app.get("/console.js", (c) => {
    c.header("content-type", "text/javascript; charset=utf-8");
    c.header("cache-control", "no-cache");
    return c.body(consoleScript);
  });
  app.get("/console.css", (c) => {
    c.header("content-type", "text/css; charset=utf-8");
    c.header("cache-control", "no-cache");
    return c.body(consoleStyle);
  });

  app.get("/language/:language", (c) => {
    const language = c.req.param("language") === "pl" ? "pl" : "en";
    setCookie(c, LANGUAGE_COOKIE, language, { path: "/", sameSite: "Lax", maxAge: 365 * 24 * 3600 });
    const back = c.req.query("back") ?? "/";
    // Only a path of this site: the switch never sends anyone elsewhere.
    return c.redirect(back.startsWith("/") && !back.startsWith("//") ? back : "/", 303);
  });

  app.get("/sign-in", async (c) => {
    if (await viewerOf(c)) return c.redirect("/", 303);
    const language = languageOf(c);
    const t = messagesFor(language);
    return c.html(
      <Layout viewer={{ language, t }} section="sign-in" title={t.signIn} path="/sign-in">
        <SignInForm t={t} />
      </Layout>,
    );
  });

  app.get(
    "/",
    page(async (c, viewer) => {
      const [actors, operators, types, settings] = await Promise.all([
        read<ActorView[]>(c, "/api/actors"),
        read<OperatorAnswer[]>(c, "/api/operators"),
        read<EventTypeAnswer[]>(c, "/api/event-types"),
        read<SettingsAnswer>(c, "/api/settings"),
      ]);
      return c.html(
        <Layout viewer={viewer} section="overview" title={viewer.t.overview} path="/">
          <OverviewPage viewer={viewer} actors={actors} operators={operators} types={types} timeZone={settings.timeZone} />
        </Layout>,
      );
    }),
  );

  app.get(
    "/actors/:id",
    page(async (c, viewer) => {
      const id = encodeURIComponent(c.req.param("id") ?? "");
      const paging: JournalPaging = {
        direction: c.req.query("direction") || undefined,
        outcome: c.req.query("outcome") || undefined,
        offset: Math.max(0, Number.parseInt(c.req.query("offset") ?? "0", 10) || 0),
        limit: JOURNAL_PAGE,
      };
      const query = new URLSearchParams({ limit: String(paging.limit + 1), offset: String(paging.offset) });
      if (paging.direction) query.set("direction", paging.direction);
      if (paging.outcome) query.set("outcome", paging.outcome);
      const actorResponse = await apiFetch(new URL(`/api/actors/${id}`, c.req.url).toString(), { headers: { cookie: c.req.header("cookie") ?? "" } });
      if (actorResponse.status === 404) return c.notFound();
      if (actorResponse.status === 401) throw new SignedOut();
      const actor = (await actorResponse.json()) as ActorView;
      const [failures, journal, operators, types, settings, stateChanges] = await Promise.all([
        read<FailureView[]>(c, `/api/actors/${id}/failures`),
        read<JournalView[]>(c, `/api/actors/${id}/journal?${query}`),
        read<OperatorAnswer[]>(c, "/api/operators"),
        read<EventTypeAnswer[]>(c, "/api/event-types"),
        read<SettingsAnswer>(c, "/api/settings"),
        read<StateChangeView[]>(c, `/api/actors/${id}/state-changes?limit=10`),
      ]);
      const operator = operators.find((o) => o.id === actor.operatorId)?.name ?? actor.operatorId;
      const type = types.find((candidate) => candidate.id === actor.eventTypeId)?.name ?? actor.eventTypeId;
      return c.html(
        <Layout viewer={viewer} section="overview" title={`${viewer.t.actor}: ${operator} · ${type}`} path={c.req.path}>
          <ActorPage
            viewer={viewer}
            actor={actor}
            failures={failures}
            journal={journal}
            stateChanges={stateChanges}
            paging={paging}
            timeZone={settings.timeZone}
          />
        </Layout>,
      );
    }),
  );

  app.get(
    "/configuration",
    page(async (c, viewer) => {
      const [settings, types, operators, credentials, providers] = await Promise.all([
        read<SettingsAnswer>(c, "/api/settings"),
        read<EventTypeAnswer[]>(c, "/api/event-types"),
        read<OperatorAnswer[]>(c, "/api/operators"),
        read<CredentialView[]>(c, "/api/credentials"),
        read<{ id: string }[]>(c, "/api/providers"),
      ]);
      // Google first: the seed's provider, and the one most operators use.
      const providerIds = providers.map((provider) => provider.id).sort((a, b) => Number(b === "google") - Number(a === "google"));
      return c.html(
        <Layout viewer={viewer} section="configuration" title={viewer.t.configuration} path="/configuration">
          <ConfigurationPage
            viewer={viewer}
            settings={settings}
            types={types}
            operators={operators}
            credentials={credentials}
            providers={providerIds}
          />
        </Layout>,
      );
    }),
  );

  app.get(
    "/operators/:id",
    page(async (c, viewer) => {
      const id = encodeURIComponent(c.req.param("id") ?? "");
      const operatorResponse = await apiFetch(new URL(`/api/operators/${id}`, c.req.url).toString(), {
        headers: { cookie: c.req.header("cookie") ?? "" },
      });
      if (operatorResponse.status === 401) throw new SignedOut();
      if (!operatorResponse.ok) return c.notFound();
      const operator = (await operatorResponse.json()) as OperatorAnswer;
      const [types, bindings, credentials, account] = await Promise.all([
        read<EventTypeAnswer[]>(c, "/api/event-types"),
        read<BindingAnswer[]>(c, `/api/operators/${id}/calendars`),
        read<CredentialView[]>(c, "/api/credentials"),
        read<{ calendars: { name: string; writable: boolean | null }[] }>(c, `/api/operators/${id}/account-calendars`),
      ]);
      return c.html(
        <Layout viewer={viewer} section="configuration" title={`${viewer.t.operator}: ${operator.name}`} path={c.req.path}>
          <OperatorPage
            viewer={viewer}
            operator={operator}
            credential={credentialOf(credentials, operator)}
            types={types}
            bindings={bindings}
            calendars={account.calendars.filter((calendar) => calendar.writable !== false).map((calendar) => calendar.name)}
          />
        </Layout>,
      );
    }),
  );

  app.get(
    "/tasks",
    page(async (c, viewer) => {
      const filter: TaskFilter = {};
      for (const key of ["operatorId", "eventTypeId", "q", "cursor"] as const) {
        const value = c.req.query(key);
        if (value) filter[key] = value;
      }
      const query = new URLSearchParams({ ...filter, limit: "50" });
      const [operators, types] = await Promise.all([read<OperatorAnswer[]>(c, "/api/operators"), read<EventTypeAnswer[]>(c, "/api/event-types")]);
      const response = await apiFetch(new URL(`/api/tasks?${query}`, c.req.url).toString(), { headers: { cookie: c.req.header("cookie") ?? "" } });
      if (response.status === 401) throw new SignedOut();
      const answer = (await response.json()) as { items: TaskAnswer[]; nextCursor?: string } | { error: { message: string } };
      // A filter the API refuses (a hand-made address) is said on the page, as the API words it.
      const page = "items" in answer ? answer : { items: [], error: answer.error.message };
      const linked = await linkedEventsOf(
        c.var.db,
        page.items.map((task) => task.id),
      );
      return c.html(
        <Layout viewer={viewer} section="tasks" title={viewer.t.tasks} path="/tasks">
          <TasksPage
            viewer={viewer}
            tasks={page.items}
            nextCursor={"nextCursor" in page ? page.nextCursor : undefined}
            filter={filter}
            operators={operators}
            types={types}
            linked={linked}
            error={"error" in page ? page.error : undefined}
          />
        </Layout>,
      );
    }),
  );

  return app;
}
