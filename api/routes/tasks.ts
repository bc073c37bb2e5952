// /api/tasks: CRM tasks (R7). Deleting leaves a tombstone so the deletion can
// reach the calendar; numbers and versions come from database triggers.
import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, getTableColumns, gte, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { DateTime } from "luxon";
import type { Db } from "../../db/database";
import { eventTypes, operators, settings, tasks } from "../../db/schema";
import { ApiError, fieldIssues, invalidInput, invalidReference, notFound } from "../errors";
import { createRouter } from "../router";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common";
import {
  isDate,
  parseInstant,
  TaskCreateSchema,
  TaskListQuerySchema,
  TaskPageSchema,
  TaskPatchSchema,
  TaskSchema,
  type priorities,
  type statuses,
  type TaskInput,
} from "../schemas/tasks";

type TaskRow = typeof tasks.$inferSelect;

function formatInstant(at: Date, zone: string | null) {
  return DateTime.fromJSDate(at, { zone: zone ?? "UTC" }).toISO({ suppressMilliseconds: true })!;
}

/** The task as a client would send it: what a PATCH is merged into. */
function toInput(row: TaskRow) {
  return {
    eventTypeId: row.eventTypeId,
    operatorId: row.operatorId,
    subject: row.subject,
    description: row.description,
    location: row.location,
    customer: row.customer,
    priority: row.priority as (typeof priorities)[number],
    status: row.status as (typeof statuses)[number],
    start: row.allDay ? row.startDate! : formatInstant(row.startAt!, row.timeZone),
    end: row.allDay ? row.endDate! : formatInstant(row.endAt!, row.timeZone),
    allDay: row.allDay,
    timeZone: row.timeZone,
    features: row.features,
  };
}

function toApi(row: TaskRow) {
  return {
    id: row.id,
    number: row.number,
    ...toInput(row),
    deleted: row.deleted,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    version: row.version,
  };
}

/** Columns for a valid task input; all-day and timed columns exclude each other. */
function toColumns(input: TaskInput) {
  const allDay = input.allDay ?? false;
  return {
    eventTypeId: input.eventTypeId,
    operatorId: input.operatorId,
    subject: input.subject,
    description: input.description ?? "",
    location: input.location ?? "",
    customer: input.customer ?? "",
    priority: input.priority ?? "normal",
    status: input.status ?? "open",
    allDay,
    startAt: allDay ? null : parseInstant(input.start)!.toJSDate(),
    endAt: allDay ? null : parseInstant(input.end)!.toJSDate(),
    startDate: allDay ? input.start : null,
    endDate: allDay ? input.end : null,
    timeZone: input.timeZone ?? null,
    features: input.features ?? {},
  };
}

async function requireReferences(db: Db, input: { eventTypeId: string; operatorId: string }) {
  const [type] = await db.select({ id: eventTypes.id }).from(eventTypes).where(eq(eventTypes.id, input.eventTypeId));
  if (!type) throw invalidReference("eventTypeId", "event type", input.eventTypeId);
  const [operator] = await db.select({ id: operators.id }).from(operators).where(eq(operators.id, input.operatorId));
  if (!operator) throw invalidReference("operatorId", "operator", input.operatorId);
}

async function load(db: Db, id: string) {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
  if (!row) throw notFound("task", id);
  return row;
}

// Keyset pagination on (created_at, id). The cursor carries created_at with its
// microseconds, which a JavaScript Date would lose.
const cursorAt = sql<string>`to_char(${tasks.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const cursorPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const encodeCursor = (at: string, id: string) => Buffer.from(JSON.stringify([at, id])).toString("base64url");

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && cursorPattern.test(value[0]) && uuidPattern.test(value[1])) return [value[0], value[1]];
  } catch {
    // falls through to the error below
  }
  throw invalidInput([{ path: "cursor", message: "not a cursor this API gave out" }], "query");
}

/** A from/to bound as an instant for timed tasks and a date (in `zone`) for all-day ones. */
function bound(value: string, zone: string, edge: "from" | "to") {
  if (isDate(value)) {
    const day = DateTime.fromISO(value, { zone });
    // A date as `to` covers that whole day: timed tasks starting before the next day.
    return { date: value, instant: (edge === "from" ? day : day.plus({ days: 1 })).toJSDate(), inclusive: edge === "from" };
  }
  const at = parseInstant(value)!;
  return { date: at.setZone(zone).toISODate()!, instant: at.toJSDate(), inclusive: true };
}

const tags = ["tasks"];

export const taskRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create a task (numbered N/YYYY by the database)",
      security,
      request: { body: jsonBody(TaskCreateSchema) },
      responses: { 201: jsonResponse(TaskSchema, "The new task"), ...errors(400, 409, 413, 415, 422) },
    }),
    async (c) => {
      const input = c.req.valid("json");
      await requireReferences(c.var.db, input);
      const [row] = await c.var.db.insert(tasks).values(toColumns(input)).returning();
      return c.json(toApi(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List tasks, oldest first, a page at a time",
      security,
      request: { query: TaskListQuerySchema },
      responses: { 200: jsonResponse(TaskPageSchema, "One page; nextCursor when there is more"), ...errors(400) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const db = c.var.db;
      const limit = query.limit ?? 100;
      const where: (SQL | undefined)[] = [];
      if (query.includeDeleted !== "true") where.push(eq(tasks.deleted, false));
      if (query.operatorId) where.push(eq(tasks.operatorId, query.operatorId));
      if (query.eventTypeId) where.push(eq(tasks.eventTypeId, query.eventTypeId));
      if (query.from || query.to) {
        const [{ timeZone }] = await db.select({ timeZone: settings.timeZone }).from(settings).where(eq(settings.id, 1));
        const from = query.from ? bound(query.from, timeZone, "from") : undefined;
        const to = query.to ? bound(query.to, timeZone, "to") : undefined;
        if (from && to && (to.date < from.date || to.instant < from.instant)) {
          throw invalidInput([{ path: "to", message: "must not be before from" }], "query");
        }
        if (from) {
          where.push(
            or(
              and(eq(tasks.allDay, false), gte(tasks.endAt, from.instant)),
              and(eq(tasks.allDay, true), gte(tasks.endDate, from.date)),
            ),
          );
        }
        if (to) {
          where.push(
            or(
              and(eq(tasks.allDay, false), to.inclusive ? lte(tasks.startAt, to.instant) : lt(tasks.startAt, to.instant)),
              and(eq(tasks.allDay, true), lte(tasks.startDate, to.date)),
            ),
          );
        }
      }
      if (query.cursor) {
        const [at, id] = decodeCursor(query.cursor);
        where.push(sql`(${tasks.createdAt}, ${tasks.id}) > (${at}::timestamptz, ${id}::uuid)`);
      }
      const rows = await db
        .select({ ...getTableColumns(tasks), cursorAt })
        .from(tasks)
        .where(and(...where))
        .orderBy(asc(tasks.createdAt), asc(tasks.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return c.json(
        { items: page.map(toApi), ...(rows.length > limit ? { nextCursor: encodeCursor(last.cursorAt, last.id) } : {}) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read one task (tombstones too)",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(TaskSchema, "The task"), ...errors(404) },
    }),
    async (c) => c.json(toApi(await load(c.var.db, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a task",
      description:
        "The merged task is validated as a whole. Moving a task to another operator or type is allowed (its event moves, R11). A deleted task (tombstone) cannot be changed: 409.",
      security,
      request: { params: IdParam, body: jsonBody(TaskPatchSchema) },
      responses: { 200: jsonResponse(TaskSchema, "The task after the change"), ...errors(400, 404, 409, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const db = c.var.db;
      const current = await load(db, id);
      if (current.deleted) throw new ApiError("conflict", `task ${id} is deleted; a tombstone cannot be changed`);
      const merged = TaskCreateSchema.safeParse({ ...toInput(current), ...patch });
      if (!merged.success) throw invalidInput(fieldIssues(merged.error, "body"), "body");
      await requireReferences(db, merged.data);
      const [row] = await db
        .update(tasks)
        .set(toColumns(merged.data))
        .where(and(eq(tasks.id, id), eq(tasks.deleted, false)))
        .returning();
      if (!row) throw new ApiError("conflict", `task ${id} was deleted meanwhile; a tombstone cannot be changed`);
      return c.json(toApi(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Delete a task (it stays as a tombstone, deleted: true)",
      security,
      request: { params: IdParam },
      responses: { 204: { description: "Deleted (also when it already was)" }, ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const current = await load(c.var.db, id);
      if (!current.deleted) {
        await c.var.db.update(tasks).set({ deleted: true, deletedAt: new Date() }).where(eq(tasks.id, id));
      }
      return c.body(null, 204);
    },
  );
