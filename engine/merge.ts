// R12 field by field: when both sides changed a task since they last agreed,
// each side's change to a field the other left alone is kept, and the policy
// decides only the fields both changed. So a time moved in the calendar and a
// subject edited in the CRM both survive, whatever the policy.
import type { TaskFields, TaskRecord } from "../db/queries/tasks.js";
import type { Side } from "./actions.js";
import type { MergedField } from "./ancestor.js";

export interface Merge {
  fields: TaskFields;
  /** Fields both sides changed, differently, and whose change the policy kept. */
  conflicts: { field: MergedField; winner: Side }[];
  /** Fields whose calendar change the task takes. */
  fromCalendar: MergedField[];
}

type Times = Pick<TaskFields, "allDay" | "startAt" | "endAt" | "startDate" | "endDate">;

const seconds = (at: Date | null) => (at ? Math.floor(at.getTime() / 1000) : null);
const sameTimes = (a: Times, b: Times) =>
  a.allDay === b.allDay &&
  (a.allDay
    ? a.startDate === b.startDate && a.endDate === b.endDate
    : seconds(a.startAt) === seconds(b.startAt) && seconds(a.endAt) === seconds(b.endAt));
const sameText = (a: string, b: string) => a.replace(/\s+$/, "") === b.replace(/\s+$/, "");

/**
 * `theirs` is the calendar now (read through parseEvent), the task the CRM
 * now; `calendarChanged` and `crmChanged` say which fields each changed since
 * the ancestor. `winner` settles a field both changed to different values.
 */
export function mergeEdits(
  task: TaskRecord,
  theirs: TaskFields,
  calendarChanged: MergedField[],
  crmChanged: MergedField[],
  winner: () => Side,
): Merge {
  const conflicts: Merge["conflicts"] = [];
  const fromCalendar: MergedField[] = [];
  const pick = <T>(field: MergedField, mine: T, calendar: T, same: (a: T, b: T) => boolean): T => {
    if (!calendarChanged.includes(field) || same(mine, calendar)) return mine;
    if (crmChanged.includes(field)) {
      const side = winner();
      conflicts.push({ field, winner: side });
      if (side === "crm") return mine;
    }
    fromCalendar.push(field);
    return calendar;
  };
  const times = pick<Times>("time", task, theirs, sameTimes);
  const fields: TaskFields = {
    subject: pick("subject", task.subject, theirs.subject, sameText),
    description: pick("description", task.description, theirs.description, sameText),
    allDay: times.allDay,
    startAt: times.startAt,
    endAt: times.endAt,
    startDate: times.startDate,
    endDate: times.endDate,
  };
  if (times === theirs && theirs.timeZone !== undefined) fields.timeZone = theirs.timeZone;
  if (theirs.location !== undefined) fields.location = pick("location", task.location, theirs.location, sameText);
  return { fields, conflicts, fromCalendar };
}
