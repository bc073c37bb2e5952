// Each actor's state changes: where it went, from where, and the error that took it there.
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { actorStateChanges, bindings } from "../schema.js";

export interface StateChangeView {
  at: string;
  from: string | null;
  to: string;
  error: { code: string; message: string } | null;
}

export async function recordStateChange(
  db: Db,
  bindingId: string,
  change: { from: string | null; to: string; error: { code: string; message: string } | null },
): Promise<void> {
  // Only while the binding exists: an actor stopped because its binding was removed records nothing.
  await db.execute(sql`
    insert into ${actorStateChanges} (binding_id, from_state, to_state, error_code, error_message)
    select ${bindingId}::uuid, ${change.from}, ${change.to}, ${change.error?.code ?? null}, ${change.error?.message ?? null}
    where exists (select 1 from ${bindings} where ${bindings.id} = ${bindingId}::uuid)`);
}

/** Newest first. */
export async function stateChangesOf(db: Db, bindingId: string, limit: number): Promise<StateChangeView[]> {
  const rows = await db
    .select()
    .from(actorStateChanges)
    .where(eq(actorStateChanges.bindingId, bindingId))
    .orderBy(desc(actorStateChanges.id))
    .limit(limit);
  return rows.map((row) => ({
    at: row.at.toISOString(),
    from: row.fromState,
    to: row.toState,
    error: row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? "" } : null,
  }));
}
