// R7 tasks over HTTP. Timed tasks: ISO 8601 instants with an offset; all-day
// tasks: YYYY-MM-DD with an inclusive end. Create and the merged result of a
// PATCH are checked by the same refined schema.
import { z } from "@hono/zod-openapi";
import { DateTime } from "luxon";
import { ianaZone, longText, text } from "./common";

export const priorities = ["low", "normal", "high"] as const;
export const statuses = ["open", "done"] as const;

const datePattern = /^[1-9]\d{3}-\d{2}-\d{2}$/;
const instantPattern = /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A calendar date, YYYY-MM-DD, that exists. */
export const isDate = (value: string) => datePattern.test(value) && DateTime.fromISO(value).isValid;

/** An instant with an explicit offset (or Z). */
export const parseInstant = (value: string) =>
  instantPattern.test(value) ? DateTime.fromISO(value, { setZone: true }) : undefined;
export const isInstant = (value: string) => parseInstant(value)?.isValid === true;

const span = z.string().max(64);

const featuresSchema = z
  .record(text(100, 1), longText(1000))
  .refine((features) => Object.keys(features).length <= 50, { error: "at most 50 features" })
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
  end: span.openapi({ description: "Timed: ISO 8601 with offset, not before start; all-day: YYYY-MM-DD, inclusive", example: "2026-12-01T10:00:00+01:00" }),
  allDay: z.boolean().openapi({ description: "Default false" }),
  timeZone: ianaZone.nullable().openapi({ description: "IANA zone for the calendar event of a timed task; default the settings' zone" }),
  features: featuresSchema,
};

type SpanInput = { start: string; end: string; allDay?: boolean };

/** start/end in the form allDay asks for, end not before start. */
function checkSpan(task: SpanInput, ctx: z.RefinementCtx) {
  const check = task.allDay ? isDate : isInstant;
  const form = task.allDay ? "all-day tasks take a date YYYY-MM-DD" : "timed tasks take an ISO 8601 date-time with offset";
  let ok = true;
  for (const key of ["start", "end"] as const) {
    if (!check(task[key])) {
      ctx.addIssue({ code: "custom", path: [key], message: `${form}, got ${JSON.stringify(task[key])}` });
      ok = false;
    }
  }
  if (!ok) return;
  const before = task.allDay
    ? task.end < task.start
    : parseInstant(task.end)!.toMillis() < parseInstant(task.start)!.toMillis();
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
  description: "Any task field; the merged task must be valid (switching allDay needs start and end in the new form)",
});

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

const bound = z
  .string()
  .max(64)
  .refine((value) => isDate(value) || isInstant(value), { error: "must be a date YYYY-MM-DD or an ISO 8601 date-time with offset" });

export const TaskListQuerySchema = z
  .strictObject({
    operatorId: z.uuid().optional(),
    eventTypeId: z.uuid().optional(),
    from: bound.optional().openapi({ description: "Tasks ending at or after this (a date means its start, in the settings' zone)" }),
    to: bound.optional().openapi({ description: "Tasks starting at or before this (a date means its end, in the settings' zone)" }),
    includeDeleted: z.enum(["true", "false"]).optional().openapi({ description: "Include tombstones; default false" }),
    cursor: z.string().max(200).optional().openapi({ description: "nextCursor of the previous page" }),
    limit: z.coerce.number().int().min(1).max(500).optional().openapi({ description: "Page size, default 100, at most 500" }),
  });

export const TaskPageSchema = z
  .object({ items: z.array(TaskSchema), nextCursor: z.string().optional() })
  .openapi("TaskPage");
