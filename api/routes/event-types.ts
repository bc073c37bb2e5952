// /api/event-types: task types (R3). A type in use cannot be removed, and a
// bound type cannot stop being synchronized (R5): the admin unbinds first.
import { createRoute, z } from "@hono/zod-openapi";
import type { Db } from "../../db/database.js";
import type { displayFields } from "../../db/enums.js";
import {
  bindingsOfType,
  deleteEventType,
  type EventTypeRow,
  eventTypeById,
  eventTypeIdByName,
  insertEventType,
  listEventTypes,
  rerenderEventsOfType,
  updateEventType,
  usageOfType,
} from "../../db/queries/event-types.js";
import { audit } from "../audit.js";
import { ApiError, notFound } from "../errors.js";
import { createRouter } from "../router.js";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common.js";
import { EventTypeCreateSchema, EventTypePatchSchema, EventTypeSchema } from "../schemas/event-types.js";

function toApi(row: EventTypeRow) {
  return {
    id: row.id,
    name: row.name,
    googleSync: row.syncEnabled,
    display: {
      fields: row.display.fields as (typeof displayFields)[number][],
      features: row.display.features,
    },
  };
}

async function load(db: Db, id: string) {
  const row = await eventTypeById(db, id);
  if (!row) throw notFound("event type", id);
  return row;
}

async function refuseDuplicateName(db: Db, name: string, exceptId?: string) {
  const other = await eventTypeIdByName(db, name);
  if (other && other !== exceptId) {
    throw new ApiError("conflict", `name: an event type named ${JSON.stringify(name)} already exists`, [{ path: "name", message: "already taken" }]);
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
      const row = await c.var.db.transaction(async (tx) => {
        const created = await insertEventType(tx, {
          name: body.name,
          syncEnabled: body.googleSync,
          display: body.display ?? { fields: [], features: [] },
        });
        await audit(c, tx, "event-type", created.id, body);
        return created;
      });
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
      const rows = await listEventTypes(c.var.db);
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
      description:
        "Turning `googleSync` off is refused (409) while operators bind the type; remove those bindings first. A change of `display` shows every event of the type again (each is rewritten, at the account's pace).",
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
      if (body.googleSync === false && current.syncEnabled) {
        const bound = await bindingsOfType(db, id);
        if (bound.length > 0) {
          const list = bound.map((b) => `${b.operator} → ${JSON.stringify(b.calendarName)}`).join(", ");
          throw new ApiError("conflict", `googleSync: the type is bound to calendars (${list}); unbind it first`, [
            { path: "googleSync", message: `bound by ${list}` },
          ]);
        }
      }
      const row = await db.transaction(async (tx) => {
        const { googleSync, ...rest } = body;
        const updated = await updateEventType(tx, id, { ...rest, ...(googleSync !== undefined ? { syncEnabled: googleSync } : {}) });
        if (body.display && JSON.stringify(body.display) !== JSON.stringify(current.display)) await rerenderEventsOfType(tx, id);
        await audit(c, tx, "event-type", id, body);
        return updated;
      });
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
      const current = await load(db, id);
      const usage = await usageOfType(db, id);
      if (usage.tasks > 0 || usage.bindings > 0) {
        throw new ApiError("conflict", `the event type is in use by ${usage.tasks} task(s) (tombstones included) and ${usage.bindings} binding(s)`);
      }
      await db.transaction(async (tx) => {
        await deleteEventType(tx, id);
        await audit(c, tx, "event-type", id, { deleted: true, name: current.name });
      });
      return c.body(null, 204);
    },
  );
