// R7 tasks over HTTP. Timed tasks: ISO 8601 instants with an offset; all-day
// tasks: YYYY-MM-DD with an inclusive end. Create and the merged result of a
// PATCH are checked by the same refined schema.
import { z } from "@hono/zod-openapi";
import { DateTime } from "luxon";
import { priorities, statuses } from "../../db/enums.js";
import { featureName, ianaZone, longText, text } from "./common.js";

const datePattern = /^[1-9]\d{3}-\d{2}-\d{2}$/;
// Hours 00–23 and seconds 00–59 (no 24:00, no leap second); offsets within ±14:00, the widest any zone uses.
const instantPattern = /^[1-9]\d{3}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-](?:0\d|1[0-3]):?[0-5]\d|[+-]14:?00)$/i;
/** Instants in these UTC years keep a four-digit year in every zone, as dates and as PostgreSQL reads them. */
const FIRST_YEAR = 1000;
const LAST_YEAR = 9998;

/** A calendar date, YYYY-MM-DD, that exists. */
export const isDate = (value: string) => datePattern.test(value) && DateTime.fromISO(value).isValid;

/** An instant with an explicit offset (or Z); undefined when the text is not one. */
export function parseInstant(value: string) {
  if (!instantPattern.test(value)) return undefined;
  const at = DateTime.fromISO(value, { setZone: true });
  const year = at.toUTC().year;
  return at.isValid && year >= FIRST_YEAR && year <= LAST_YEAR ? at : undefined;
}
export const isInstant = (value: string) => parseInstant(value) !== undefined;

const span = z.string().max(64);

// zod drops a `__proto__` key from a record without a word; the client's input is checked for one first.
const featuresSchema = z
  .preprocess(
    (input, ctx) => {
      if (typeof input === "object" && input !== null && Object.hasOwn(input, "__proto__")) {
        ctx.addIssue({ code: "custom", path: ["__proto__"], message: "__proto__ cannot be a feature name", input });
      }
      return input;
    },
    z.record(featureName, longText(1000)).refine((features) => Object.keys(features).length <= 50, { error: "at most 50 features" }),
  )
  .openapi({ description: "Feature name → value (at most 50)", example: { Budget: "12 000 PLN" } });

const taskShape = {
  eventTypeId: z.uuid(),
  operatorId: z.uuid(),
  subject: text(500, 1).openapi({ example: "Sales offer" }),
  description: longText(10_000),
  location: text(500),
  customer: text(500),
  priority: z.enum(priorities).openapi({ description: "Default normal" }),
  status: z.enum(statuses).openapi({ description: "Default open" }),
  start: span.openapi({ description: "Timed: ISO 8601 with offset; all-day: YYYY-MM-DD", example: "2026-12-01T09:00:00+01:00" }),
  end: span.openapi({
    description: "Timed: ISO 8601 with offset, not before start; all-day: YYYY-MM-DD, inclusive",
    example: "2026-12-01T10:00:00+01:00",
  }),
  allDay: z.boolean().openapi({ description: "Default false" }),
  timeZone: ianaZone.nullable().openapi({ description: "IANA zone for the calendar event of a timed task; default the settings' zone" }),
  features: featuresSchema,
};

type SpanInput = { start: string; end: string; allDay?: boolean };

/** start/end in the form allDay asks for, end not before start. */
function checkSpan(task: SpanInput, ctx: z.RefinementCtx) {
  const check = task.allDay ? isDate : isInstant;
  const form = task.allDay
    ? "all-day tasks take a date YYYY-MM-DD"
    : `timed tasks take an ISO 8601 date-time with offset (hours 00–23, offset within ±14:00, years ${FIRST_YEAR}–${LAST_YEAR})`;
  let ok = true;
  for (const key of ["start", "end"] as const) {
    if (!check(task[key])) {
      ctx.addIssue({ code: "custom", path: [key], message: `${form}, got ${JSON.stringify(task[key])}` });
      ok = false;
    }
  }
  if (!ok) return;
  const before = task.allDay ? task.end < task.start : parseInstant(task.end)!.toMillis() < parseInstant(task.start)!.toMillis();
  if (before) ctx.addIssue({ code: "custom", path: ["end"], message: "must not be before start" });
}

export const TaskCreateSchema = z
  .strictObject({
    ...taskShape,
    description: taskShape.description.optional(),
    location: taskShape.location.optional(),
    customer: taskShape.customer.optional(),
    priority: taskShape.priority.optional(),
    status: taskShape.status.optional(),
    allDay: taskShape.allDay.optional(),
    timeZone: taskShape.timeZone.optional(),
    features: taskShape.features.optional(),
  })
  .superRefine(checkSpan)
  .openapi("TaskCreate");

export type TaskInput = z.infer<typeof TaskCreateSchema>;

export const TaskPatchSchema = z.strictObject(taskShape).partial().openapi("TaskPatch", {
  description:
    "Any task field; the merged task must be valid (switching allDay needs start and end in the new form). Only the fields sent are written.",
});

/** `If-Match: "<version>"` (or the bare number): the change applies only to that version of the task. */
export const IfMatchHeader = z.object({
  "if-match": z
    .string()
    .regex(/^(W\/)?"?\d{1,15}"?$/, { error: 'must be the task\'s version, as its ETag gives it ("3")' })
    .optional()
    .openapi({ param: { name: "if-match", in: "header" }, description: "The task version the change is for; 412 when the task has moved on" }),
});

export const versionOf = (ifMatch: string) => Number(ifMatch.replace(/\D/g, ""));

export const TaskSchema = z
  .object({
    id: z.uuid(),
    number: z.string().openapi({ example: "43/2026" }),
    eventTypeId: z.uuid(),
    operatorId: z.uuid(),
    subject: z.string(),
    description: z.string(),
    location: z.string(),
    customer: z.string(),
    priority: z.enum(priorities),
    status: z.enum(statuses),
    start: z.string(),
    end: z.string(),
    allDay: z.boolean(),
    timeZone: z.string().nullable(),
    features: z.record(z.string(), z.string()),
    deleted: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int(),
  })
  .openapi("Task");

/**
 * Whether `cursor` has the form of one the API gives out: base64url JSON of
 * [created_at to the microsecond, task id], the instant a real one. Checked
 * here so a crafted one is a 400, never a database error on the cast.
 */
function isTaskCursor(cursor: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return false;
  }
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== "string" || typeof value[1] !== "string") return false;
  const [at, id] = value;
  return /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at) && DateTime.fromISO(at).isValid && z.uuid().safeParse(id).success;
}

const bound = z
  .string()
  .max(64)
  .refine((value) => isDate(value) || isInstant(value), { error: "must be a date YYYY-MM-DD or an ISO 8601 date-time with offset" });

export const TaskListQuerySchema = z.strictObject({
  operatorId: z.uuid().optional(),
  eventTypeId: z.uuid().optional(),
  from: bound.optional().openapi({ description: "Tasks ending at or after this (a date means its start, in the settings' zone)" }),
  to: bound.optional().openapi({ description: "Tasks starting at or before this (a date means its end, in the settings' zone)" }),
  includeDeleted: z.enum(["true", "false"]).optional().openapi({ description: "Include tombstones; default false" }),
  q: z.string().trim().min(1).max(200).optional().openapi({ description: "Only tasks whose subject, number or customer contains this (any case)" }),
  cursor: z
    .string()
    .max(200)
    .refine(isTaskCursor, { error: "not a cursor this API gave out" })
    .optional()
    .openapi({ description: "nextCursor of the previous page" }),
  limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: "Page size, default 100, at most 500" }),
});

export const TaskPageSchema = z.object({ items: z.array(TaskSchema), nextCursor: z.string().optional() }).openapi("TaskPage");
