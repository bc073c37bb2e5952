// The calls an account may take in a short window, shared by every replica:
// a replica reserves a few at a time, so the whole cluster keeps the
// account's pace (R17) with one round trip per reservation, not per call.
// Windows are cut by the database's clock.
import { sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { rowsOf } from "./rows.js";

export interface Reservation {
  /** Calls granted (0: the window is spent). */
  granted: number;
  /** Until the window ends, by the database's clock; what is left of a grant lapses then. */
  windowLeftMs: number;
}

/**
 * Reserves up to `want` of the `limit` calls `account` may take in the
 * current window of `windowSeconds`, in one round trip (migration 0013's
 * function). Old windows are cleared on the way.
 */
export async function reserveCalls(db: Db, account: string, want: number, limit: number, windowSeconds: number): Promise<Reservation> {
  const rows = await db.execute(
    sql`select reserved, window_left_ms from taskcal_reserve_calls(${account}, ${want}::int, ${limit}::int, ${windowSeconds}::int)`,
  );
  const [row] = rowsOf<{ reserved: number; window_left_ms: number }>(rows);
  return { granted: Number(row.reserved), windowLeftMs: Math.max(0, Number(row.window_left_ms)) };
}

/** One account's reservation in a batch (reserveCallsTogether). */
export interface ReservationRequest {
  account: string;
  want: number;
  limit: number;
}

/**
 * Several accounts' reservations in one statement, answered in the order
 * asked. They are made in the order of the accounts' digests, so two
 * replicas' batches lock the budgets' rows in one order and never deadlock.
 */
export async function reserveCallsTogether(db: Db, requests: ReservationRequest[], windowSeconds: number): Promise<Reservation[]> {
  const ordered = requests.map((r, i) => ({ i, account: r.account, want: r.want, lim: r.limit })).sort((a, b) => (a.account < b.account ? -1 : 1));
  const rows = await db.execute(
    sql`select q.i, r.reserved, r.window_left_ms
      from jsonb_to_recordset(${JSON.stringify(ordered)}::jsonb) as q(i int, account text, want int, lim int)
      cross join lateral taskcal_reserve_calls(q.account, q.want, q.lim, ${windowSeconds}::int) r`,
  );
  const answers: Reservation[] = [];
  for (const row of rowsOf<{ i: number; reserved: number; window_left_ms: number }>(rows)) {
    answers[Number(row.i)] = { granted: Number(row.reserved), windowLeftMs: Math.max(0, Number(row.window_left_ms)) };
  }
  if (answers.filter(Boolean).length !== requests.length) throw new Error("the batch of reservations came back incomplete");
  return answers;
}
