// /api/actors: one binding actor each; state and counters come from the
// database (cheap, and true across restarts), controls go to the engine.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../deps";
import { ApiError, notFound } from "../errors";
import { createRouter } from "../router";
import { ActorCommandSchema, ActorSchema, ActorStateSchema, JournalEntrySchema, JournalQuerySchema } from "../schemas/actors";
import { errors, IdParam, jsonResponse, security } from "../schemas/common";

const tags = ["actors"];

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
    async (c) => c.json(await engineOf(c).list(), 200),
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
      const actor = await engineOf(c).get(id);
      if (!actor) throw notFound("actor", id);
      return c.json(actor, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/{command}",
      tags,
      summary: "Control an actor: sync, restart, pause, resume or resync",
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
      const { limit } = c.req.valid("query");
      const entries = await engineOf(c).journal(id, limit);
      if (!entries) throw notFound("actor", id);
      return c.json(entries as z.infer<typeof JournalEntrySchema>[], 200);
    },
  );
