// A binding's sync state row: where its actor is, its calendar, token, counters.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState } from "../schema.js";
import { perDatabase } from "./prepared.js";

export type BindingStateRow = typeof bindingState.$inferSelect;
export type StateCounter = "pushed" | "pulled" | "conflicts" | "errors";

const byBinding = perDatabase((db) =>
  db
    .select()
    .from(bindingState)
    .where(eq(bindingState.bindingId, sql.placeholder("bindingId")))
    .prepare("taskcal_binding_state"),
);

/** Rows an insert carries: well under PostgreSQL's 65,535 parameters. */
const INSERT_CHUNK = 1_000;

/**
 * Before actors start: the state rows of those that have none yet (each
 * actor records its state there from its first step), and which are paused
 * (few), for thousands of bindings in a few statements.
 */
export async function statesForStart(db: Db, bindingIds: string[]): Promise<{ paused: Set<string> }> {
  for (let at = 0; at < bindingIds.length; at += INSERT_CHUNK) {
    const chunk = bindingIds.slice(at, at + INSERT_CHUNK);
    await db
      .insert(bindingState)
      .values(chunk.map((bindingId) => ({ bindingId })))
      .onConflictDoNothing();
  }
  const rows = await db.select({ bindingId: bindingState.bindingId }).from(bindingState).where(eq(bindingState.paused, true));
  return { paused: new Set(rows.map((row) => row.bindingId)) };
}

/** The binding's state row, made on first use. */
export async function bindingStateOf(db: Db, bindingId: string): Promise<BindingStateRow> {
  const [row] = await byBinding(db).execute({ bindingId });
  if (row) return row;
  await db.insert(bindingState).values({ bindingId }).onConflictDoNothing();
  const [made] = await byBinding(db).execute({ bindingId });
  return made;
}

export async function saveBindingState(db: Db, bindingId: string, patch: Partial<Omit<BindingStateRow, "bindingId">>): Promise<void> {
  await db
    .update(bindingState)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(bindingState.bindingId, bindingId));
}

export async function bumpCounter(db: Db, bindingId: string, counter: StateCounter, by = 1): Promise<void> {
  if (by === 0) return;
  await db
    .update(bindingState)
    .set({ [counter]: sql`${bindingState[counter]} + ${by}` })
    .where(eq(bindingState.bindingId, bindingId));
}

/** The binding whose current push channel this is, with what a notice on it must match; null for no live row. */
export async function bindingOfChannel(db: Db, channelId: string) {
  const [row] = await db
    .select({
      bindingId: bindingState.bindingId,
      resourceId: bindingState.watchResourceId,
      expiresAt: bindingState.watchExpiresAt,
      proven: bindingState.watchProven,
    })
    .from(bindingState)
    .where(eq(bindingState.watchChannelId, channelId));
  return row ?? null;
}
