// Consent flows in progress: written by the start, taken (once) by the callback.
import { eq, lt } from "drizzle-orm";
import type { Db } from "../database.js";
import { oauthStates } from "../schema.js";

export type OAuthStateRow = typeof oauthStates.$inferSelect;

export async function insertOAuthState(db: Db, values: Omit<typeof oauthStates.$inferInsert, "createdAt">): Promise<void> {
  // Flows nobody finished are dropped as new ones start.
  await db.delete(oauthStates).where(lt(oauthStates.expiresAt, new Date()));
  await db.insert(oauthStates).values(values);
}

/** Removes the flow and returns it: of two callbacks with one state, only the first gets it. */
export async function takeOAuthState(db: Db, stateHash: string): Promise<OAuthStateRow | null> {
  const [row] = await db.delete(oauthStates).where(eq(oauthStates.stateHash, stateHash)).returning();
  return row ?? null;
}
