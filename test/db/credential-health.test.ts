// What is known of each credential (GET /api/credentials): credentials that
// keep working are recorded together, a second apart at most, and each row
// keeps what it knew of the same credential, never of a replaced one.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialHealthOf, recordCredentialFailure, recordCredentialSuccess } from "../../db/queries/credentials.js";
import { CredentialHealth } from "../../engine/credential-health.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

describe(`credential health recorded together (${backend})`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  const credential = (fingerprint = "f1") => ({
    id: `company:${randomUUID()}`,
    kind: "company" as const,
    provider: "google",
    operatorId: null,
    fingerprint,
  });

  it("many credentials that worked are written together; each keeps its account and its last refusal while its fingerprint is the same", async () => {
    const health = new CredentialHealth(database.db);
    const [kept, replaced, fresh] = [credential(), credential(), credential()];
    const before = new Date(Date.now() - 60_000);
    for (const c of [kept, replaced]) {
      await recordCredentialSuccess(database.db, c, "ola@example.com", before);
      await recordCredentialFailure(database.db, c, { code: "auth_revoked", message: "refused", at: new Date(before.getTime() + 1) });
    }
    await Promise.all([health.worked(kept), health.worked({ ...replaced, fingerprint: "f2" }), health.worked(fresh)]);

    const keptRow = await credentialHealthOf(database.db, kept.id);
    expect(keptRow?.account).toBe("ola@example.com");
    expect(keptRow?.lastErrorCode).toBe("auth_revoked");
    expect(keptRow!.lastOkAt!.getTime()).toBeGreaterThan(keptRow!.lastErrorAt!.getTime());
    const replacedRow = await credentialHealthOf(database.db, replaced.id);
    expect(replacedRow).toMatchObject({ fingerprint: "f2", account: null, lastErrorCode: null });
    expect((await credentialHealthOf(database.db, fresh.id))?.lastOkAt).not.toBeNull();
  });

  it("a refusal heard while a success waits to be written stays the last word", async () => {
    const health = new CredentialHealth(database.db);
    const c = credential();
    const worked = health.worked(c);
    await health.refused(c, { code: "auth_revoked", message: "refused" });
    await worked;
    const row = await credentialHealthOf(database.db, c.id);
    expect(row?.lastErrorCode).toBe("auth_revoked");
    expect(row?.lastOkAt).toBeNull();
  });
});
