import { randomBytes } from "node:crypto";

/**
 * Opaque identifiers in the look of Outlook's. An item has two: its default (REST) id, which changes
 * when the item moves to another calendar, and its immutable id, which does not while it stays in
 * the mailbox ("Obtain immutable identifiers for Outlook resources"). Calendars have one id only
 * ("container types do not support immutable ID, but their regular IDs were already constant").
 * Occurrence ids are derived from their series master's id and original start, so every listing
 * names an occurrence the same way.
 */
export type IdForm = "rest" | "immutable";

const REST_PREFIX = "AAMkA";
const IMMUTABLE_PREFIX = "AAkALgA";
const OCCURRENCE = { rest: "AAMkOcc", immutable: "AAkOcc" } as const;

export const newRestId = () => `${REST_PREFIX}${randomBytes(24).toString("base64url")}AAA=`;
export const newImmutableId = () => `${IMMUTABLE_PREFIX}${randomBytes(24).toString("base64url")}AAA=`;
export const newCalendarId = () => `${REST_PREFIX}${randomBytes(18).toString("base64url")}AAA=`;
/** A change key like Outlook's ("ZlnW4RIAV06KYYwlrfNZvQAALfZeRQ=="); a new one on every change. */
export const newChangeKey = () => randomBytes(22).toString("base64");
/** An iCalendar UID in Outlook's hexadecimal style. */
export const newICalUId = () => `040000008200E00074C5B7101A82E00800000000${randomBytes(28).toString("hex").toUpperCase()}`;

export function occurrenceId(form: IdForm, masterId: string, originalStart: number): string {
  return `${OCCURRENCE[form]}${Buffer.from(`${masterId}\n${originalStart}`).toString("base64url")}`;
}

/** The series master id (in the form the occurrence id was given) and the original start, for an occurrence id. */
export function parseOccurrenceId(id: string): { masterId: string; originalStart: number } | undefined {
  const prefix = [OCCURRENCE.rest, OCCURRENCE.immutable].find((p) => id.startsWith(p));
  if (!prefix) return undefined;
  const [masterId, start] = Buffer.from(id.slice(prefix.length), "base64url").toString("utf8").split("\n");
  const originalStart = Number(start);
  return masterId && Number.isFinite(originalStart) ? { masterId, originalStart } : undefined;
}
