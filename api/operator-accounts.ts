// An operator's account as the API takes and shows it, through its provider's
// account schema (provider-fields.ts does the checking and sealing). A
// provider's legacyAliases (Google's top-level refreshToken, the first
// release's `caldav`) are read as parts of `account` and shown beside it.
import type { ProviderRegistry, RegisteredProvider } from "../adapters/registry.js";
import { invalidInput } from "./errors.js";
import { type FieldsSpec, showFields } from "./provider-fields.js";
import { legacyAliases } from "./schemas/operators.js";

type Fields = Record<string, unknown>;

export const accountOwner = (operatorId: string) => `operator:${operatorId}`;

export const accountSpec = (provider: RegisteredProvider): FieldsSpec => ({
  schema: provider.account,
  secrets: provider.accountSecrets,
  boundTo: provider.definition.account.secretsBoundTo,
});

/** The provider an operator names; a 400 naming `provider` when none by that id is registered. */
export function providerNamed(providers: ProviderRegistry, id: string): RegisteredProvider {
  const provider = providers.get(id);
  if (provider) return provider;
  const known = providers.list().map((p) => p.definition.id);
  throw invalidInput([{ path: "provider", message: `no provider "${id}" is registered here (registered: ${known.join(", ")})` }], "body");
}

/**
 * The account fields a request sent (from `account` or the provider's
 * aliases), and the path its errors are named under. Another provider's
 * alias with a value is a 400: it would otherwise be silently ignored; null
 * is accepted (there is nothing of that provider's to clear).
 */
export function sentAccount(
  providers: ProviderRegistry,
  provider: RegisteredProvider,
  body: Fields,
): { fields: Fields | null | undefined; path: string } {
  const id = provider.definition.id;
  for (const alias of legacyAliases(providers)) {
    if (alias.provider !== id && body[alias.name] !== undefined && body[alias.name] !== null) {
      throw invalidInput([{ path: alias.name, message: `only for provider ${alias.provider}; this operator's provider is ${id}` }], "body");
    }
  }
  const account = body.account as Fields | null | undefined;
  const aliases = provider.definition.legacyAliases ?? {};
  const object = aliases.object === undefined ? undefined : (body[aliases.object] as Fields | null | undefined);
  if (aliases.object && object !== undefined) return { fields: object === null ? null : { ...object, ...account }, path: aliases.object };
  const named = (aliases.fields ?? []).filter((name) => body[name] !== undefined);
  if (named.length > 0)
    return { fields: { ...account, ...Object.fromEntries(named.map((name) => [name, body[name]])) }, path: account ? "account" : "" };
  return { fields: account, path: "account" };
}

/** The account as answers show it, and each provider's aliases beside it. */
export function accountView(providers: ProviderRegistry, row: { provider: string; account: Fields; accountSecrets: Record<string, string> }) {
  const provider = providers.get(row.provider);
  const stored = { values: row.account, secrets: row.accountSecrets };
  const account = provider ? showFields(accountSpec(provider), stored) : { ...row.account };
  const aliases = legacyAliases(providers).flatMap(
    (alias): Array<[string, unknown]> =>
      alias.kind === "object"
        ? [[alias.name, alias.provider === row.provider ? account : null]]
        : alias.secret
          ? [[`${alias.name}Set`, alias.provider === row.provider && alias.name in row.accountSecrets]]
          : [],
  );
  return { account, ...Object.fromEntries(aliases) };
}
