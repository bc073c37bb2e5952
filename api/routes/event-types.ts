// /api/event-types: task types (R3). A type in use cannot be removed, and a
// bound type cannot stop being synchronized (R5): the admin unbinds first.
import { createRoute, z } from "@hono/zod-openapi";
import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../../db/database";
import { bindings, eventTypes, operators, tasks } from "../../db/schema";
import { ApiError, notFound } from "../errors";
import { createRouter } from "../router";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common";
import { EventTypeCreateSchema, EventTypePatchSchema, EventTypeSchema, type displayFields } from "../schemas/event-types";

type EventTypeRow = typeof eventTypes.$inferSelect;

function toApi(row: EventTypeRow) {
  return {
    id: row.id,
    name: row.name,
    googleSync: row.googleSync,
    display: {
      fields: row.display.fields as (typeof displayFields)[number][],
      features: row.display.features,
    },
  };
}

async function load(db: Db, id: string) {
  const [row] = await db.select().from(eventTypes).where(eq(eventTypes.id, id));
  if (!row) throw notFound("event type", id);
  return row;
}

async function refuseDuplicateName(db: Db, name: string, exceptId?: string) {
  const [other] = await db.select({ id: eventTypes.id }).from(eventTypes).where(eq(eventTypes.name, name));
  if (other && other.id !== exceptId) {
    throw new ApiError("conflict", `name: an event type named ${JSON.stringify(name)} already exists`, [
      { path: "name", message: "already taken" },
    ]);
  }
}

const tags = ["event types"];

export const eventTypeRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a task type",
      security,
      request: { body: jsonBody(EventTypeCreateSchema) },
      responses: { 201: jsonResponse(EventTypeSchema, "The new type"), ...errors(400, 409, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      await refuseDuplicateName(c.var.db, body.name);
      const [row] = await c.var.db
        .insert(eventTypes)
        .values({ name: body.name, googleSync: body.googleSync, display: body.display ?? { fields: [], features: [] } })
        .returning();
      return c.json(toApi(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List task types",
      security,
      responses: { 200: jsonResponse(z.array(EventTypeSchema), "All types, by name"), ...errors() },
    }),
    async (c) => {
      const rows = await c.var.db.select().from(eventTypes).orderBy(asc(eventTypes.name));
      return c.json(rows.map(toApi), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read one task type",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(EventTypeSchema, "The type"), ...errors(404) },
    }),
    async (c) => c.json(toApi(await load(c.var.db, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a task type",
      description: "Turning `googleSync` off is refused (409) while operators bind the type; remove those bindings first.",
      security,
      request: { params: IdParam, body: jsonBody(EventTypePatchSchema) },
      responses: { 200: jsonResponse(EventTypeSchema, "The type after the change"), ...errors(400, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const db = c.var.db;
      const current = await load(db, id);
      if (body.name !== undefined) await refuseDuplicateName(db, body.name, id);
      if (body.googleSync === false && current.googleSync) {
        const bound = await db
          .select({ operator: operators.name, calendarName: bindings.calendarName })
          .from(bindings)
          .innerJoin(operators, eq(operators.id, bindings.operatorId))
          .where(eq(bindings.eventTypeId, id))
          .orderBy(asc(operators.name));
        if (bound.length > 0) {
          const list = bound.map((b) => `${b.operator} → ${JSON.stringify(b.calendarName)}`).join(", ");
          throw new ApiError("conflict", `googleSync: the type is bound to calendars (${list}); unbind it first`, [
            { path: "googleSync", message: `bound by ${list}` },
          ]);
        }
      }
      const [row] = await db
        .update(eventTypes)
        .set({ ...body, updatedAt: new Date() })
        .where(eq(eventTypes.id, id))
        .returning();
      return c.json(toApi(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Remove a task type that no task or binding uses",
      security,
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...errors(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const db = c.var.db;
      await load(db, id);
      const [{ n: taskCount }] = await db.select({ n: count() }).from(tasks).where(eq(tasks.eventTypeId, id));
      const [{ n: bindingCount }] = await db.select({ n: count() }).from(bindings).where(eq(bindings.eventTypeId, id));
      if (taskCount > 0 || bindingCount > 0) {
        throw new ApiError(
          "conflict",
          `the event type is in use by ${taskCount} task(s) (tombstones included) and ${bindingCount} binding(s)`,
        );
      }
      await db.delete(eventTypes).where(eq(eventTypes.id, id));
      return c.body(null, 204);
    },
  );
