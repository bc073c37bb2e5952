// The common ancestor of a three-way merge: what the calendar showed of a task
// when the two last agreed, as one short digest per field. A link keeps it
// (links.shown, the calendar's view at the last sync); every event taskcal
// writes carries it too, in a private property, so that after a crash between
// the calendar write and its commit (no link yet) each side's changes can
// still be told apart.
import { createHash } from "node:crypto";
import type { TaskFields } from "../db/queries/tasks.js";

export const MERGED_FIELDS = ["subject", "description", "location", "time"] as const;
export type MergedField = (typeof MERGED_FIELDS)[number];
export type FieldDigests = Record<MergedField, string>;

/** The private property holding the digests of what taskcal wrote. */
export const SHOWN_PROPERTY = "taskcalShown";

const digest = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 10);
const seconds = (at: Date | null) => (at ? Math.floor(at.getTime() / 1000) : "");

/** Digests of a task's calendar-owned fields (as parseEvent reads them, so both sides compare alike). */
export function digestFields(fields: TaskFields): FieldDigests {
  return {
    subject: digest(fields.subject),
    description: digest(fields.description.replace(/\s+$/, "")),
    location: digest(fields.location ?? ""),
    time: digest(fields.allDay ? `date ${fields.startDate} ${fields.endDate}` : `time ${seconds(fields.startAt)} ${seconds(fields.endAt)}`),
  };
}

export function encodeDigests(digests: FieldDigests): string {
  return ["1", ...MERGED_FIELDS.map((field) => digests[field])].join(".");
}

/** The digests an event carries, or null when it carries none (written before taskcal kept them, or not by taskcal). */
export function decodeDigests(text: string | undefined): FieldDigests | null {
  const parts = text?.split(".");
  if (!parts || parts.length !== MERGED_FIELDS.length + 1 || parts[0] !== "1") return null;
  return Object.fromEntries(MERGED_FIELDS.map((field, i) => [field, parts[i + 1]])) as FieldDigests;
}

/** The fields whose digest differs from the ancestor's. */
export function changedFields(ancestor: FieldDigests, now: FieldDigests): MergedField[] {
  return MERGED_FIELDS.filter((field) => ancestor[field] !== now[field]);
}
