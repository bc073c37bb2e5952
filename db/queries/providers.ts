// Providers' company-level settings (provider_settings), one row per provider id.
import { eq } from "drizzle-orm";
import type { Db } from "../database.js";
import { providerSettings } from "../schema.js";
import { noFields, type StoredFields } from "../sealed-fields.js";

/** A provider's company settings as stored; none yet is no settings. */
export async function providerSettingsOf(db: Db, id: string): Promise<StoredFields> {
  const [row] = await db.select().from(providerSettings).where(eq(providerSettings.id, id));
  return row ? { values: row.settings, secrets: row.secrets } : noFields();
}

export async function saveProviderSettings(db: Db, id: string, stored: StoredFields): Promise<void> {
  const values = { settings: stored.values, secrets: stored.secrets, updatedAt: new Date() };
  await db
    .insert(providerSettings)
    .values({ id, ...values })
    .onConflictDoUpdate({ target: providerSettings.id, set: values });
}
