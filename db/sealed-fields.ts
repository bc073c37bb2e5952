// Settings with secret fields, as stored: plain values in one JSON object,
// each secret sealed in another (R2). `owner` names where the fields belong
// (`operator:<id>`, `provider:<id>`), so the box can bind a ciphertext to its
// place. Which fields are secret is the provider's to say (its SettingsSpec).
import type { SecretBox } from "./secret-box.js";

export interface StoredFields {
  values: Record<string, unknown>;
  secrets: Record<string, string>;
}

export const noFields = (): StoredFields => ({ values: {}, secrets: {} });

/** Splits settings into plain values and sealed secrets. */
export function storeFields(input: Record<string, unknown>, secretNames: readonly string[], box: SecretBox, owner: string): StoredFields {
  const stored = noFields();
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    if (secretNames.includes(name)) stored.secrets[name] = box.seal(String(value), `${owner}:${name}`);
    else stored.values[name] = value;
  }
  return stored;
}

/** The settings with their secrets opened, for the provider that needs them. */
export function openFields(stored: StoredFields, box: SecretBox, owner: string): Record<string, unknown> {
  const opened: Record<string, unknown> = { ...stored.values };
  for (const [name, sealed] of Object.entries(stored.secrets)) opened[name] = box.open(sealed, `${owner}:${name}`);
  return opened;
}

/** As answers show them: plain values, and for each secret only whether it is set (`<field>Set`). */
export function viewFields(stored: StoredFields, secretNames: readonly string[]): Record<string, unknown> {
  return { ...stored.values, ...Object.fromEntries(secretNames.map((name) => [`${name}Set`, name in stored.secrets])) };
}
