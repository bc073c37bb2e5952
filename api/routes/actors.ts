// /api/actors: one binding actor each; state, counters, journal and failures
// come from the database (cheap, true across restarts, answered by any
// process), controls go to the engine.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type ActorView, actorView, actorViews, failureViews } from "../../db/queries/actors.js";
import { journalOf } from "../../db/queries/journal.js";
import { listOperators } from "../../db/queries/operators.js";
import { stateChangesOf } from "../../db/queries/state-changes.js";
import type { AppEnv } from "../deps.js";
import { ApiError, notFound } from "../errors.js";
import { operatorConsentUrl } from "../oauth/links.js";
import { createRouter } from "../router.js";
import {
  ActorCommandSchema,
  ActorSchema,
  ActorStateSchema,
  FailureSchema,
  JournalEntrySchema,
  JournalQuerySchema,
  StateChangeQuerySchema,
  StateChangeSchema,
} from "../schemas/actors.js";
import { errors, IdParam, jsonResponse, security } from "../schemas/common.js";

const tags = ["actors"];

/** A refused credential's actors point at the consent flow that connects it again. */
async function withReauthorizeUrls(c: Context<AppEnv>, views: ActorView[]): Promise<ActorView[]> {
  const refused = views.filter((view) => view.lastError?.code === "auth_revoked");
  if (refused.length === 0) return views;
  const operators = new Map((await listOperators(c.var.db)).map((operator) => [operator.id, operator]));
  for (const view of refused) {
    const operator = operators.get(view.operatorId);
    const url = operator ? operatorConsentUrl(c, c.var.providers, operator) : null;
    if (url) view.lastError = { ...view.lastError!, reauthorizeUrl: url };
  }
  return views;
}

function engineOf(c: Context<AppEnv>) {
  const engine = c.var.engine;
  if (!engine) throw new ApiError("engine_unavailable", "the sync engine is not running in this process");
  return engine;
}

export const actorRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Every binding whose operator is enabled and type synchronized",
      security,
      responses: { 200: jsonResponse(z.array(ActorSchema), "Actors, oldest binding first"), ...errors(503) },
    }),
    async (c) => c.json(await withReauthorizeUrls(c, await actorViews(c.var.db)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "One actor",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ActorSchema, "The actor"), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const actor = await actorView(c.var.db, id);
      if (!actor) throw notFound("actor", id);
      const [shown] = await withReauthorizeUrls(c, [actor]);
      return c.json(shown, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/{command}",
      tags,
      summary: "Control an actor: sync, restart, pause, resume, resync or retry-failures",
      security,
      request: { params: IdParam.extend({ command: ActorCommandSchema }) },
      responses: {
        202: jsonResponse(z.object({ state: ActorStateSchema }), "Accepted; the state right after the command"),
        ...errors(400, 404, 503),
      },
    }),
    async (c) => {
      const { id, command } = c.req.valid("param");
      const state = await engineOf(c).command(id, command);
      if (!state) throw notFound("actor", id);
      return c.json({ state }, 202);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/journal",
      tags,
      summary: "What the actor did, newest first",
      security,
      request: { params: IdParam, query: JournalQuerySchema },
      responses: { 200: jsonResponse(z.array(JournalEntrySchema), "Journal entries"), ...errors(400, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, ...filter } = c.req.valid("query");
      if (!(await actorView(c.var.db, id))) throw notFound("actor", id);
      return c.json((await journalOf(c.var.db, id, limit, filter)) as z.infer<typeof JournalEntrySchema>[], 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/failures",
      tags,
      summary: "Items the actor could not sync (R20), oldest first",
      description:
        "One entry per task or event that failed on its own; the binding syncs everything else. Each is tried again when it changes, on restart, and on retry-failures.",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.array(FailureSchema), "Open failures"), ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await actorView(c.var.db, id))) throw notFound("actor", id);
      return c.json(await failureViews(c.var.db, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/state-changes",
      tags,
      summary: "The actor's state changes, newest first, each with the error that came with it",
      security,
      request: { params: IdParam, query: StateChangeQuerySchema },
      responses: { 200: jsonResponse(z.array(StateChangeSchema), "State changes"), ...errors(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await actorView(c.var.db, id))) throw notFound("actor", id);
      return c.json((await stateChangesOf(c.var.db, id, c.req.valid("query").limit)) as z.infer<typeof StateChangeSchema>[], 200);
    },
  );
