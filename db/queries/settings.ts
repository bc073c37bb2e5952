// The one settings record (R1; id 1, seeded by the migrations).
import { eq } from "drizzle-orm";
import type { Db } from "../database.js";
import { settings } from "../schema.js";

export type SettingsRow = typeof settings.$inferSelect;

export async function readSettings(db: Db): Promise<SettingsRow> {
  const [row] = await db.select().from(settings).where(eq(settings.id, 1));
  return row;
}

export async function updateSettings(db: Db, change: Partial<Omit<SettingsRow, "id">>): Promise<SettingsRow> {
  const [row] = await db
    .update(settings)
    .set({ ...change, updatedAt: new Date() })
    .where(eq(settings.id, 1))
    .returning();
  return row;
}
