// Tasks as the engine reads them, and the fields a calendar may change.
import { and, asc, eq, getTableColumns, gte, ilike, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { eventTypes, operators, tasks } from "../schema.js";
import { perDatabase } from "./prepared.js";

export type TaskRow = typeof tasks.$inferSelect;

/** A task as the sync engine sees it. */
export interface TaskRecord {
  id: string;
  number: string;
  subject: string;
  description: string;
  location: string;
  customer: string;
  priority: string;
  status: string;
  allDay: boolean;
  /** Timed tasks: instants. */
  startAt: Date | null;
  endAt: Date | null;
  /** All-day tasks: YYYY-MM-DD, end inclusive. */
  startDate: string | null;
  endDate: string | null;
  timeZone: string | null;
  features: Record<string, string>;
  deleted: boolean;
  version: number;
  updatedAt: Date;
  operatorId: string;
  eventTypeId: string;
}

/**
 * Task fields a calendar edit may set (R10). Only what the binding renders is
 * present (R19): `location` is absent when the type does not display it, and
 * `timeZone` when the event names none, so neither is ever blanked.
 */
export interface TaskFields {
  subject: string;
  description: string;
  location?: string;
  allDay: boolean;
  startAt: Date | null;
  endAt: Date | null;
  startDate: string | null;
  endDate: string | null;
  timeZone?: string;
}

export function toTaskRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    description: row.description,
    location: row.location,
    customer: row.customer,
    priority: row.priority,
    status: row.status,
    allDay: row.allDay,
    startAt: row.startAt,
    endAt: row.endAt,
    startDate: row.startDate,
    endDate: row.endDate,
    timeZone: row.timeZone,
    features: row.features,
    deleted: row.deleted,
    version: row.version,
    updatedAt: row.updatedAt,
    operatorId: row.operatorId,
    eventTypeId: row.eventTypeId,
  };
}

/** The columns a calendar edit writes; absent fields are left as they are. */
export function fieldColumns(fields: TaskFields) {
  return {
    subject: fields.subject,
    description: fields.description,
    ...(fields.location !== undefined ? { location: fields.location } : {}),
    allDay: fields.allDay,
    startAt: fields.startAt,
    endAt: fields.endAt,
    startDate: fields.startDate,
    endDate: fields.endDate,
    ...(fields.timeZone !== undefined ? { timeZone: fields.timeZone } : {}),
  };
}

/**
 * A client's change to a live task: only `columns` are written, and with
 * `expectedVersion` only if the task is still at it. "deleted" when it is a
 * tombstone by now, "stale" when another change came first.
 */
export async function updateTaskColumns(
  db: Db,
  id: string,
  columns: Partial<typeof tasks.$inferInsert>,
  expectedVersion?: number,
): Promise<TaskRow | "deleted" | "stale"> {
  if (Object.keys(columns).length === 0) {
    const [now] = await db.select().from(tasks).where(eq(tasks.id, id));
    if (!now || now.deleted) return "deleted";
    return expectedVersion === undefined || now.version === expectedVersion ? now : "stale";
  }
  const [row] = await db
    .update(tasks)
    .set(columns)
    .where(and(eq(tasks.id, id), eq(tasks.deleted, false), expectedVersion === undefined ? undefined : eq(tasks.version, expectedVersion)))
    .returning();
  if (row) return row;
  const [now] = await db.select({ deleted: tasks.deleted }).from(tasks).where(eq(tasks.id, id));
  return !now || now.deleted ? "deleted" : "stale";
}

const byId = perDatabase((db) =>
  db
    .select()
    .from(tasks)
    .where(eq(tasks.id, sql.placeholder("id")))
    .prepare("taskcal_task_by_id"),
);

export async function taskById(db: Db, id: string): Promise<TaskRecord | null> {
  const [row] = await byId(db).execute({ id });
  return row ? toTaskRecord(row) : null;
}

/** The tasks with these ids, by id (one query for a page of changes). */
export async function tasksByIds(db: Db, ids: Iterable<string>): Promise<Map<string, TaskRecord>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await db.select().from(tasks).where(inArray(tasks.id, wanted));
  return new Map(rows.map((row) => [row.id, toTaskRecord(row)]));
}

/** A task row as the API shows it (tombstones too), or null. */
export async function taskRowById(db: Db, id: string): Promise<TaskRow | null> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
  return row ?? null;
}

export async function insertTask(db: Db, values: typeof tasks.$inferInsert): Promise<TaskRow> {
  const [row] = await db.insert(tasks).values(values).returning();
  return row;
}

/** Deletes a task, leaving a tombstone (R7); nothing when it already is one. */
export async function tombstoneTask(db: Db, id: string): Promise<void> {
  await db
    .update(tasks)
    .set({ deleted: true, deletedAt: new Date() })
    .where(and(eq(tasks.id, id), eq(tasks.deleted, false)));
}

/** Which of a task's references are missing. */
export async function missingReferences(db: Db, ref: { eventTypeId: string; operatorId: string }): Promise<("eventTypeId" | "operatorId")[]> {
  const [type] = await db.select({ id: eventTypes.id }).from(eventTypes).where(eq(eventTypes.id, ref.eventTypeId));
  const [operator] = await db.select({ id: operators.id }).from(operators).where(eq(operators.id, ref.operatorId));
  return [...(type ? [] : ["eventTypeId" as const]), ...(operator ? [] : ["operatorId" as const])];
}

export interface TaskListFilter {
  includeDeleted: boolean;
  operatorId?: string;
  eventTypeId?: string;
  /** Subject, number or customer containing this, in any case. */
  search?: string;
  /** Tasks ending on or after: timed ones by instant, all-day ones by date. */
  from?: { instant: Date; date: string };
  /** Tasks starting before (or at, when inclusive): timed ones by instant, all-day ones on or before the date. */
  to?: { instant: Date; date: string; inclusive: boolean };
  /** Keyset: rows after this (created_at with microseconds, id). */
  after?: [string, string];
  limit: number;
}

/** created_at with its microseconds, which a JavaScript Date would lose: the keyset cursor's first half. */
const cursorAt = sql<string>`to_char(${tasks.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Tasks oldest first (created_at, id), at most `limit`, each with its cursor position. */
export function listTasks(db: Db, filter: TaskListFilter): Promise<(TaskRow & { cursorAt: string })[]> {
  const where: (SQL | undefined)[] = [];
  if (!filter.includeDeleted) where.push(eq(tasks.deleted, false));
  if (filter.operatorId) where.push(eq(tasks.operatorId, filter.operatorId));
  if (filter.eventTypeId) where.push(eq(tasks.eventTypeId, filter.eventTypeId));
  if (filter.search) {
    // Escaped: a % or _ typed into the search box means itself.
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(tasks.subject, pattern), ilike(tasks.number, pattern), ilike(tasks.customer, pattern)));
  }
  const { from, to, after } = filter;
  if (from) where.push(or(and(eq(tasks.allDay, false), gte(tasks.endAt, from.instant)), and(eq(tasks.allDay, true), gte(tasks.endDate, from.date))));
  if (to) {
    const startsBefore = to.inclusive ? lte(tasks.startAt, to.instant) : lt(tasks.startAt, to.instant);
    where.push(or(and(eq(tasks.allDay, false), startsBefore), and(eq(tasks.allDay, true), lte(tasks.startDate, to.date))));
  }
  if (after) where.push(sql`(${tasks.createdAt}, ${tasks.id}) > (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return db
    .select({ ...getTableColumns(tasks), cursorAt })
    .from(tasks)
    .where(and(...where))
    .orderBy(asc(tasks.createdAt), asc(tasks.id))
    .limit(filter.limit);
}
