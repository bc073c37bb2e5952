// The calls an account may take in a short window, shared by every replica:
// a replica reserves a few at a time, so the whole cluster keeps the
// account's pace (R17) with one round trip per reservation, not per call.
// Windows are cut by the database's clock.
import { sql } from "drizzle-orm";
import type { Db } from "../database.js";

export interface Reservation {
  /** Calls granted (0: the window is spent). */
  granted: number;
  /** Until the window ends, by the database's clock; what is left of a grant lapses then. */
  windowLeftMs: number;
}

/**
 * Reserves up to `want` of the `limit` calls `account` may take in the
 * current window of `windowSeconds`. Old windows are cleared on the way.
 */
export async function reserveCalls(db: Db, account: string, want: number, limit: number, windowSeconds: number): Promise<Reservation> {
  return db.transaction(async (tx) => {
    const window = sql`to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})`;
    await tx.execute(sql`insert into call_budgets (account, window_start) values (${account}, ${window}) on conflict do nothing`);
    const rows = await tx.execute<{ take: number; left_ms: string }>(sql`
      update call_budgets b set granted = b.granted + g.take
      from (select least(${want}::int, greatest(0, ${limit}::int - granted)) as take from call_budgets
            where account = ${account} and window_start = ${window} for update) g
      where b.account = ${account} and b.window_start = ${window}
      returning g.take, extract(epoch from (b.window_start + make_interval(secs => ${windowSeconds}) - now())) * 1000 as left_ms`);
    await tx.execute(sql`delete from call_budgets where account = ${account} and window_start < ${window}`);
    const [row] = (Array.isArray(rows) ? rows : (rows as { rows: { take: number; left_ms: string }[] }).rows) as { take: number; left_ms: string }[];
    return { granted: Number(row.take), windowLeftMs: Math.max(0, Number(row.left_ms)) };
  });
}
