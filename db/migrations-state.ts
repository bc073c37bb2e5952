// Whether this database holds every migration this build knows (readiness):
// the migrator records each applied migration's `when` in
// drizzle.__drizzle_migrations and applies those newer than the latest.
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { Db } from "./database.js";
import { migrationsFolder } from "./database.js";

interface Journal {
  entries: { tag: string; when: number }[];
}

/** The tags of this build's migrations that the database has not applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as Journal;
  let latest = 0;
  try {
    const [row] = await db.select({ latest: sql<string | null>`max(created_at)` }).from(sql`drizzle.__drizzle_migrations`);
    latest = Number(row?.latest ?? 0);
  } catch {
    // No table yet: nothing applied.
  }
  return journal.entries.filter((entry) => entry.when > latest).map((entry) => entry.tag);
}
