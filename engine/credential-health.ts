// Records what the actors learn of their credentials (GET /api/credentials):
// whose account each is, when it last worked, when it was refused. A sign-in
// and a refusal are written at once; that a credential keeps working is
// written at most every few minutes per credential, so thousands of bindings
// polling one account cost the database next to nothing; and the credentials
// due within a second are written together, so thousands of accounts of
// their own cost one statement a second, not one each (issue 18).
import type { Db } from "../db/database.js";
import { type CredentialKey, recordCredentialFailure, recordCredentialSuccess, recordCredentialSuccesses } from "../db/queries/credentials.js";
import type { CredentialRef } from "./credentials.js";

/** How stale "last worked" may get while a credential keeps working. */
export const WORKED_EVERY_MS = 5 * 60_000;
/** How long credentials that worked are gathered before one statement records them all. */
const WORKED_GATHER_MS = 1_000;

export class CredentialHealth {
  /** Credential id → the fingerprint and time last written as working. */
  private readonly written = new Map<string, { fingerprint: string; at: number }>();
  /** Credentials that worked, waiting for the next write of them together, and that write. */
  private gathered = new Map<string, CredentialKey & { account: null; at: Date }>();
  private writing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** Signed in as `account` (an actor authorized, a consent was redeemed, a connection test passed). */
  async signedIn(credential: CredentialRef, account: string | null): Promise<void> {
    const at = this.now();
    await recordCredentialSuccess(this.db, credential, account, new Date(at));
    this.written.set(credential.id, { fingerprint: credential.fingerprint, at });
  }

  /** A pass went through on the credential. */
  async worked(credential: CredentialRef): Promise<void> {
    const last = this.written.get(credential.id);
    const at = this.now();
    if (last && last.fingerprint === credential.fingerprint && at - last.at < WORKED_EVERY_MS) return;
    const { id, provider, operatorId, fingerprint } = credential;
    this.gathered.set(id, { id, provider, operatorId, fingerprint, account: null, at: new Date(at) });
    this.writing ??= new Promise<void>((resolve) => setTimeout(resolve, WORKED_GATHER_MS)).then(() => this.writeGathered());
    await this.writing;
  }

  private async writeGathered(): Promise<void> {
    const worked = [...this.gathered.values()];
    this.gathered = new Map();
    this.writing = undefined;
    await recordCredentialSuccesses(this.db, worked);
    for (const { id, fingerprint, at } of worked) this.written.set(id, { fingerprint, at: at.getTime() });
  }

  /** The provider refused the credential. */
  async refused(credential: CredentialRef, error: { code: string; message: string }): Promise<void> {
    this.written.delete(credential.id);
    // A refusal is newer than the success waiting to be written.
    this.gathered.delete(credential.id);
    await recordCredentialFailure(this.db, credential, { ...error, at: new Date(this.now()) });
  }
}
