// /api/tasks: CRM tasks (R7). Deleting leaves a tombstone so the deletion can
// reach the calendar; numbers and versions come from database triggers.
import { createRoute } from "@hono/zod-openapi";
import { DateTime } from "luxon";
import type { Db } from "../../db/database.js";
import type { priorities, statuses } from "../../db/enums.js";
import { readSettings } from "../../db/queries/settings.js";
import { insertTask, listTasks, missingReferences, type TaskRow, taskRowById, tombstoneTask, updateTaskColumns } from "../../db/queries/tasks.js";
import { ApiError, fieldIssues, invalidInput, invalidReference, notFound } from "../errors.js";
import { createRouter } from "../router.js";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common.js";
import {
  IfMatchHeader,
  isDate,
  parseInstant,
  TaskCreateSchema,
  type TaskInput,
  TaskListQuerySchema,
  TaskPageSchema,
  TaskPatchSchema,
  TaskSchema,
  versionOf,
} from "../schemas/tasks.js";

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

const staleVersion = (id: string, now?: number) =>
  new ApiError(
    "precondition_failed",
    `task ${id} has changed since that version${now === undefined ? "" : ` (it is at version ${now})`}: read it again`,
  );

/** The columns a PATCH writes: those of the fields it sent (start/end/allDay bring the columns they decide). */
function sentColumns(columns: ReturnType<typeof toColumns>, patch: Partial<TaskInput>) {
  const picked: Partial<ReturnType<typeof toColumns>> = {};
  const take = (...names: (keyof typeof columns)[]) => {
    for (const name of names) (picked as Record<string, unknown>)[name] = columns[name];
  };
  for (const key of Object.keys(patch) as (keyof TaskInput)[]) {
    if (key === "start") take("startAt", "startDate");
    else if (key === "end") take("endAt", "endDate");
    else if (key === "allDay") take("allDay", "startAt", "startDate", "endAt", "endDate");
    else take(key);
  }
  return picked;
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
  const [missing] = await missingReferences(db, input);
  if (missing === "eventTypeId") throw invalidReference("eventTypeId", "event type", input.eventTypeId);
  if (missing === "operatorId") throw invalidReference("operatorId", "operator", input.operatorId);
}

async function load(db: Db, id: string) {
  const row = await taskRowById(db, id);
  if (!row) throw notFound("task", id);
  return row;
}

// Keyset pagination on (created_at, id); the cursor carries created_at with its microseconds.
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
      const row = await insertTask(c.var.db, toColumns(input));
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
      let from: { instant: Date; date: string } | undefined;
      let to: { instant: Date; date: string; inclusive: boolean } | undefined;
      if (query.from || query.to) {
        const { timeZone } = await readSettings(db);
        from = query.from ? bound(query.from, timeZone, "from") : undefined;
        to = query.to ? bound(query.to, timeZone, "to") : undefined;
        if (from && to && (to.date < from.date || to.instant < from.instant)) {
          throw invalidInput([{ path: "to", message: "must not be before from" }], "query");
        }
      }
      const rows = await listTasks(db, {
        includeDeleted: query.includeDeleted === "true",
        operatorId: query.operatorId,
        eventTypeId: query.eventTypeId,
        search: query.q,
        from,
        to,
        after: query.cursor ? decodeCursor(query.cursor) : undefined,
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return c.json({ items: page.map(toApi), ...(rows.length > limit ? { nextCursor: encodeCursor(last.cursorAt, last.id) } : {}) }, 200);
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
    async (c) => {
      const row = await load(c.var.db, c.req.valid("param").id);
      c.header("ETag", `"${row.version}"`);
      return c.json(toApi(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change a task",
      description: [
        "The merged task is validated as a whole, and only the fields sent are written, so a change made meanwhile to another field",
        "(by the calendar, or another client) is kept. With If-Match: <version> (the task's ETag) the change applies only to that version: 412 otherwise.",
        "Moving a task to another operator or type is allowed (its event moves, R11). A deleted task (tombstone) cannot be changed: 409.",
      ].join(" "),
      security,
      request: { params: IdParam, headers: IfMatchHeader, body: jsonBody(TaskPatchSchema) },
      responses: { 200: jsonResponse(TaskSchema, "The task after the change"), ...errors(400, 404, 409, 412, 413, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const ifMatch = c.req.valid("header")["if-match"];
      const expectedVersion = ifMatch === undefined ? undefined : versionOf(ifMatch);
      const patch = c.req.valid("json");
      const db = c.var.db;
      const current = await load(db, id);
      if (current.deleted) throw new ApiError("conflict", `task ${id} is deleted; a tombstone cannot be changed`);
      if (expectedVersion !== undefined && expectedVersion !== current.version) throw staleVersion(id, current.version);
      const merged = TaskCreateSchema.safeParse({ ...toInput(current), ...patch });
      if (!merged.success) throw invalidInput(fieldIssues(merged.error, "body"), "body");
      await requireReferences(db, merged.data);
      const written = await updateTaskColumns(db, id, sentColumns(toColumns(merged.data), patch), expectedVersion);
      if (written === "deleted") throw new ApiError("conflict", `task ${id} was deleted meanwhile; a tombstone cannot be changed`);
      if (written === "stale") throw staleVersion(id);
      c.header("ETag", `"${written.version}"`);
      return c.json(toApi(written), 200);
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
      if (!current.deleted) await tombstoneTask(c.var.db, id);
      return c.body(null, 204);
    },
  );
