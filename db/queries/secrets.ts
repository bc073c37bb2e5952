// Every secret at rest, for the start-up key check, the one-time migration
// of older ciphertexts and key rotation (SECRET_KEY_PREVIOUS → SECRET_KEY).
import { eq } from "drizzle-orm";
import type { Database } from "../database.js";
import { operators, providerSettings, settings } from "../schema.js";
import type { SecretBox } from "../secret-box.js";

export type KeyState = "current" | "previous" | "wrong";

interface SealedPlace {
  kind: "operator" | "provider";
  id: string;
  secrets: Record<string, string>;
}

const ownerOf = (place: SealedPlace) => `${place.kind}:${place.id}`;

async function sealedPlaces(database: Database): Promise<SealedPlace[]> {
  const { db } = database;
  const ops = await db.select({ id: operators.id, secrets: operators.accountSecrets }).from(operators);
  const providers = await db.select({ id: providerSettings.id, secrets: providerSettings.secrets }).from(providerSettings);
  return [
    ...ops.map((o) => ({ kind: "operator" as const, id: o.id, secrets: o.secrets })),
    ...providers.map((p) => ({ kind: "provider" as const, id: p.id, secrets: p.secrets })),
  ];
}

/**
 * Whether SECRET_KEY opens what this database holds. The check value is
 * written on first start; a database from before it keeps one only when
 * one of its secrets opens (else the key is wrong, and nothing is written).
 */
export async function checkSecretKey(database: Database, box: SecretBox): Promise<KeyState> {
  const [row] = await database.db.select({ check: settings.secretCheck }).from(settings).where(eq(settings.id, 1));
  if (row?.check) return box.checkKey(row.check);
  const sample = (await sealedPlaces(database)).flatMap((place) =>
    Object.entries(place.secrets).map(([name, sealed]) => ({ context: `${ownerOf(place)}:${name}`, sealed })),
  )[0];
  if (sample) {
    try {
      box.open(sample.sealed, sample.context);
    } catch {
      return "wrong";
    }
  }
  await database.db.update(settings).set({ secretCheck: box.checkValue() }).where(eq(settings.id, 1));
  return "current";
}

/**
 * Seals again, under SECRET_KEY and in the current form, every secret that is
 * not (first-release values, values under SECRET_KEY_PREVIOUS), and renews the
 * check value: one transaction, so processes can roll one after another.
 * Returns how many were sealed again.
 */
export async function resealSecrets(database: Database, box: SecretBox): Promise<number> {
  const places = await sealedPlaces(database);
  return database.db.transaction(async (tx) => {
    let resealed = 0;
    for (const place of places) {
      const renewed: Record<string, string> = {};
      let stale = 0;
      for (const [name, sealed] of Object.entries(place.secrets)) {
        const context = `${ownerOf(place)}:${name}`;
        const again = box.needsReseal(sealed, context);
        renewed[name] = again ? box.seal(box.open(sealed, context), context) : sealed;
        if (again) stale++;
      }
      if (stale === 0) continue;
      resealed += stale;
      if (place.kind === "operator") await tx.update(operators).set({ accountSecrets: renewed }).where(eq(operators.id, place.id));
      else await tx.update(providerSettings).set({ secrets: renewed }).where(eq(providerSettings.id, place.id));
    }
    await tx.update(settings).set({ secretCheck: box.checkValue() }).where(eq(settings.id, 1));
    return resealed;
  });
}
