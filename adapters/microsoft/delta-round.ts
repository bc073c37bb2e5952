// Graph's calendarView delta keeps the window of a round's first request
// ("Get incremental changes to events in a calendar view": the state tokens
// encode startDateTime and endDateTime). A round therefore covers the sync
// window's start to a far horizon, and a new one starts — the engine lists
// in full and matches what it finds to its links — once the window has moved
// back (more months to sync) or a month forward (to keep the horizon far).
import { SyncTokenExpired } from "../public.js";

const DAY = 86_400_000;
/** calendarView answers at most 1,825 days ("Maximum number of days: 1825"); a little less, to stay clear of it. */
const SPAN_DAYS = 1_800;
/** The furthest back a round starts, so it still reaches a year ahead. */
const MAX_LOOKBACK_DAYS = SPAN_DAYS - 365;
/** Without a window (a listing of everything), a round starts a year back. */
const DEFAULT_LOOKBACK_DAYS = 365;
/** A round is replaced once the window start has moved this far past its own. */
const DRIFT_DAYS = 30;

export interface RoundWindow {
  /** ISO instants. */
  start: string;
  end: string;
}

interface TokenContents {
  /** The deltaLink or nextLink to follow. */
  link: string;
  round: RoundWindow;
}

const PREFIX = "graph1.";

export function roundFor(windowStart: string | undefined, now: number): RoundWindow {
  const wanted = windowStart ? Date.parse(windowStart) : Number.NaN;
  const start = Number.isNaN(wanted) ? now - DEFAULT_LOOKBACK_DAYS * DAY : Math.max(wanted, now - MAX_LOOKBACK_DAYS * DAY);
  return { start: new Date(start).toISOString(), end: new Date(start + SPAN_DAYS * DAY).toISOString() };
}

/** Whether a round begun over `round` still serves a listing that wants `wanted`. */
export function roundServes(round: RoundWindow, wanted: RoundWindow): boolean {
  const moved = Date.parse(wanted.start) - Date.parse(round.start);
  return moved >= 0 && moved < DRIFT_DAYS * DAY;
}

export function encodeToken(contents: TokenContents): string {
  return PREFIX + Buffer.from(JSON.stringify({ l: contents.link, s: contents.round.start, e: contents.round.end })).toString("base64url");
}

/** A token this adapter wrote; any other is one Graph would not know either (SyncTokenExpired: list in full). */
export function decodeToken(token: string): TokenContents {
  try {
    if (!token.startsWith(PREFIX)) throw new Error("not a Graph delta token");
    const { l, s, e } = JSON.parse(Buffer.from(token.slice(PREFIX.length), "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof l !== "string" || typeof s !== "string" || typeof e !== "string") throw new Error("incomplete");
    return { link: l, round: { start: s, end: e } };
  } catch {
    throw new SyncTokenExpired("the sync token is not one this Microsoft 365 adapter issued");
  }
}
