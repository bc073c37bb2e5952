// Sign-in sessions, by the digest of their cookie's token.
import { eq, lt } from "drizzle-orm";
import type { Db } from "../database.js";
import { sessions } from "../schema.js";

export type SessionRow = typeof sessions.$inferSelect;

export async function insertSession(db: Db, values: { tokenHash: string; kind: string; expiresAt: Date }): Promise<void> {
  // Sessions that ran out are dropped as new ones come: the table holds live ones and a few stragglers.
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  await db.insert(sessions).values(values);
}

/** The session, unless it is unknown or has run out. */
export async function liveSession(db: Db, tokenHash: string): Promise<SessionRow | null> {
  const [row] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash));
  return row && row.expiresAt.getTime() > Date.now() ? row : null;
}

export async function deleteSession(db: Db, tokenHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}
