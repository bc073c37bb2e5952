// A provider's settings as the API takes and shows them, an operator's
// account or the company's settings alike: checked by the provider's schema,
// secrets sealed (bound to their owner and field) and never shown, a patch
// merged over what is stored, saved secrets dropped when the settings move
// where they were not given for (secretsBoundTo).
import type { z } from "zod";
import { openFields, type StoredFields, storeFields, viewFields } from "../db/sealed-fields.js";
import type { SecretBox } from "../db/secret-box.js";
import { fieldIssues, invalidInput } from "./errors.js";

type Fields = Record<string, unknown>;

export interface FieldsSpec {
  schema: z.ZodType<Fields>;
  secrets: readonly string[];
  boundTo?: (fields: never) => string;
}

/** The fields as the schema reads them; a 400 naming `<path>.<field>` otherwise (a bare field when path is ""). */
export function checkFields(spec: FieldsSpec, fields: Fields, path: string): Fields {
  const parsed = spec.schema.safeParse(fields);
  if (parsed.success) return parsed.data;
  const root = path || "body";
  const issues = fieldIssues(parsed.error, root).map((issue) => ({
    ...issue,
    path: issue.path === root || !path ? issue.path : `${path}.${issue.path}`,
  }));
  throw invalidInput(issues, "body");
}

export const storeChecked = (spec: FieldsSpec, fields: Fields, path: string, box: SecretBox, owner: string): StoredFields =>
  storeFields(checkFields(spec, fields, path), spec.secrets, box, owner);

// Stored settings may predate a schema change; where they cannot say, they count as bound elsewhere.
function placeOf(boundTo: (fields: never) => string, fields: Fields): string {
  try {
    return boundTo(fields as never);
  } catch {
    return "";
  }
}

/**
 * `patch` written over `current`: null clears a field. When the change moves
 * the settings where their secrets were not given for (another server), saved
 * secrets the patch does not give again are dropped; `dropped` names them.
 */
export function mergeFields(
  spec: FieldsSpec,
  current: StoredFields,
  patch: Fields,
  box: SecretBox,
  owner: string,
  path: string,
): { stored: StoredFields; dropped: string[] } {
  let opened: Fields;
  try {
    opened = openFields(current, box, owner);
  } catch {
    // Secrets sealed under another key cannot be carried over: they must be given again.
    opened = { ...current.values };
  }
  const merged: Fields = { ...opened };
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else if (value !== undefined) merged[name] = value;
  }
  const dropped: string[] = [];
  if (spec.boundTo && placeOf(spec.boundTo, opened) !== placeOf(spec.boundTo, merged)) {
    for (const secret of spec.secrets) {
      if (!(secret in patch) && secret in merged) {
        delete merged[secret];
        dropped.push(secret);
      }
    }
  }
  return { stored: storeChecked(spec, merged, path, box, owner), dropped };
}

/** As answers show them: the values with the schema's defaults, and for each secret only `<field>Set`. */
export function showFields(spec: FieldsSpec, stored: StoredFields): Fields {
  const parsed = spec.schema.safeParse(stored.values);
  const values = parsed.success ? Object.fromEntries(Object.entries(parsed.data).filter(([name]) => !spec.secrets.includes(name))) : stored.values;
  return viewFields({ values, secrets: stored.secrets }, spec.secrets);
}

/** A request's fields with the secrets masked, for the audit log (a cleared secret shows as null). */
export function maskSecrets(spec: FieldsSpec, fields: unknown): unknown {
  if (!fields || typeof fields !== "object") return fields;
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, spec.secrets.includes(name) && value !== null ? "***" : value]));
}
