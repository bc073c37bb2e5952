// What is known of each credential (credential_health): whose account it is,
// when it last worked, its last refusal. A row describes the credential as its
// fingerprint says; a new fingerprint (a replaced token) starts the row afresh.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { credentialHealth } from "../schema.js";

export type CredentialHealthRow = typeof credentialHealth.$inferSelect;

export interface CredentialKey {
  id: string;
  provider: string;
  operatorId: string | null;
  fingerprint: string;
}

export function credentialHealthRows(db: Db): Promise<CredentialHealthRow[]> {
  return db.select().from(credentialHealth);
}

export async function credentialHealthOf(db: Db, id: string): Promise<CredentialHealthRow | null> {
  const [row] = await db.select().from(credentialHealth).where(eq(credentialHealth.id, id));
  return row ?? null;
}

/** Kept when the fingerprint is the row's, else dropped: what was known of another credential says nothing of this one. */
function kept(column: "account" | "lastOkAt" | "lastErrorCode" | "lastErrorMessage" | "lastErrorAt") {
  const name = credentialHealth[column].name;
  return sql.raw(`case when "credential_health"."fingerprint" = excluded."fingerprint" then "credential_health"."${name}" end`);
}

/** The credential worked at `at` (a sign-in, a token refresh, a pass); `account` when it said whose it is. */
export function recordCredentialSuccess(db: Db, key: CredentialKey, account: string | null, at: Date): Promise<void> {
  return recordCredentialSuccesses(db, [{ ...key, account, at }]);
}

/**
 * Many credentials worked, each at its `at`, in one statement (each id once);
 * `account` when it said whose it is, else the row's is kept.
 */
export async function recordCredentialSuccesses(db: Db, worked: Array<CredentialKey & { account: string | null; at: Date }>): Promise<void> {
  if (worked.length === 0) return;
  const excluded = (column: "provider" | "operatorId" | "fingerprint" | "account" | "lastOkAt" | "updatedAt") =>
    sql.raw(`excluded."${credentialHealth[column].name}"`);
  await db
    .insert(credentialHealth)
    .values(worked.map(({ at, ...row }) => ({ ...row, lastOkAt: at, updatedAt: at })))
    .onConflictDoUpdate({
      target: credentialHealth.id,
      set: {
        provider: excluded("provider"),
        operatorId: excluded("operatorId"),
        fingerprint: excluded("fingerprint"),
        account: sql`coalesce(${excluded("account")}, ${kept("account")})`,
        lastOkAt: excluded("lastOkAt"),
        lastErrorCode: kept("lastErrorCode"),
        lastErrorMessage: kept("lastErrorMessage"),
        lastErrorAt: kept("lastErrorAt"),
        updatedAt: excluded("updatedAt"),
      },
    });
}

/** The provider refused the credential (revoked, expired, a wrong password). */
export async function recordCredentialFailure(db: Db, key: CredentialKey, error: { code: string; message: string; at: Date }): Promise<void> {
  const failure = { lastErrorCode: error.code, lastErrorMessage: error.message, lastErrorAt: error.at };
  await db
    .insert(credentialHealth)
    .values({ ...key, ...failure, updatedAt: error.at })
    .onConflictDoUpdate({
      target: credentialHealth.id,
      set: {
        provider: key.provider,
        operatorId: key.operatorId,
        fingerprint: key.fingerprint,
        account: kept("account"),
        lastOkAt: kept("lastOkAt"),
        ...failure,
        updatedAt: error.at,
      },
    });
}
