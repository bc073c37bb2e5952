// Configuration rows written straight to the database, sealed the way the API
// seals them, for tests and benchmarks that start from a known state.
import { randomUUID } from "node:crypto";
import type { ProviderRegistry } from "../adapters/registry.js";
import type { Db } from "../db/database.js";
import { saveProviderSettings } from "../db/queries/providers.js";
import { operators } from "../db/schema.js";
import { storeFields } from "../db/sealed-fields.js";
import type { SecretBox } from "../db/secret-box.js";

function secretsOf(providers: ProviderRegistry, id: string, which: "accountSecrets" | "companySecrets"): readonly string[] {
  const provider = providers.get(id);
  if (!provider) throw new Error(`seed: no provider "${id}" is registered`);
  return provider[which];
}

/** A provider's company settings, secrets sealed. */
export function seedCompanySettings(db: Db, providers: ProviderRegistry, secrets: SecretBox, id: string, fields: Record<string, unknown>) {
  return saveProviderSettings(db, id, storeFields(fields, secretsOf(providers, id, "companySecrets"), secrets, `provider:${id}`));
}

export interface SeedOperator {
  name: string;
  provider: string;
  account?: Record<string, unknown>;
  useConfigToken?: boolean;
  syncEnabled?: boolean;
}

/** An operator with its account, secrets sealed bound to it. */
export async function seedOperator(db: Db, providers: ProviderRegistry, secrets: SecretBox, operator: SeedOperator) {
  const id = randomUUID();
  const stored = storeFields(operator.account ?? {}, secretsOf(providers, operator.provider, "accountSecrets"), secrets, `operator:${id}`);
  const [row] = await db
    .insert(operators)
    .values({
      id,
      name: operator.name,
      provider: operator.provider,
      syncEnabled: operator.syncEnabled ?? true,
      useConfigToken: operator.useConfigToken ?? false,
      account: stored.values,
      accountSecrets: stored.secrets,
    })
    .returning();
  return row;
}
