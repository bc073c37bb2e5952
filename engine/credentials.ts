// Which credential a binding signs in with, and the adapter for it: the
// operator's own account on its provider, or the provider's company account
// (SPEC R4's token from configuration). The engine names no provider.
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { ProviderSetupError } from "../adapters/provider.js";
import type { ProviderRegistry, RegisteredProvider } from "../adapters/registry.js";
import type { CalendarAdapter } from "../adapters/types.js";
import type { OperatorRow } from "../db/queries/operators.js";
import { openFields, type StoredFields } from "../db/sealed-fields.js";
import { type SecretBox, SecretUnreadable } from "../db/secret-box.js";
import { ConfigurationError } from "./faults.js";

/** An operator and its provider's company settings, as stored: all it takes to sign in. */
export interface SignInConfig {
  operator: Pick<OperatorRow, "id" | "name" | "provider" | "useConfigToken" | "account" | "accountSecrets">;
  company: StoredFields;
}

/** A credential as GET /api/credentials names it, with a digest of it as stored (a replaced one is another). */
export interface CredentialRef {
  /** `company:<provider>` or `operator:<id>`. */
  id: string;
  kind: "company" | "operator";
  provider: string;
  operatorId: string | null;
  fingerprint: string;
}

/** A provider's company settings, secrets opened and the schema's defaults applied (a pace never set is the default pace). */
export function openCompany(provider: RegisteredProvider, stored: StoredFields, secrets: SecretBox): Record<string, unknown> {
  const opened = openFields(stored, secrets, `provider:${provider.definition.id}`);
  const parsed = provider.company?.safeParse(opened);
  return parsed?.success ? parsed.data : opened;
}

/** Whether the operator signs in with its provider's company account. */
export function usesCompanyAccount(provider: RegisteredProvider | undefined, operator: Pick<OperatorRow, "useConfigToken">): boolean {
  return !!provider && operator.useConfigToken && provider.definition.capabilities.companyAccount && !!provider.definition.companyAccount;
}

export const companyCredentialId = (providerId: string) => `company:${providerId}`;
export const operatorCredentialId = (operatorId: string) => `operator:${operatorId}`;

const digest = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("base64url");

/** The company credential of a provider: its settings but those applied live (a pace), secrets as sealed. */
export function companyCredential(provider: RegisteredProvider, company: StoredFields): CredentialRef {
  const live = new Set(provider.definition.company?.appliedLive ?? []);
  const values = Object.fromEntries(Object.entries(company.values).filter(([name]) => !live.has(name)));
  const id = provider.definition.id;
  return { id: companyCredentialId(id), kind: "company", provider: id, operatorId: null, fingerprint: digest([values, company.secrets]) };
}

export function credentialOf(config: SignInConfig, providers: ProviderRegistry): CredentialRef {
  const { operator, company } = config;
  const provider = providers.get(operator.provider);
  if (provider && usesCompanyAccount(provider, operator)) return companyCredential(provider, company);
  return {
    id: operatorCredentialId(operator.id),
    kind: "operator",
    provider: operator.provider,
    operatorId: operator.id,
    fingerprint: digest([operator.provider, operator.account, operator.accountSecrets]),
  };
}

export function adapterFor(config: SignInConfig, providers: ProviderRegistry, secrets: SecretBox, logger: Logger): CalendarAdapter {
  const { operator, company } = config;
  const provider = providers.get(operator.provider);
  if (!provider) {
    throw new ConfigurationError(
      "missing_credentials",
      `Operator "${operator.name}" uses provider "${operator.provider}", which this installation does not load (TASKCAL_PROVIDERS).`,
    );
  }
  const { definition } = provider;
  try {
    const companySettings = openCompany(provider, company, secrets);
    let account: Record<string, unknown>;
    const shared = usesCompanyAccount(provider, operator);
    if (shared) {
      const companyAccount = definition.companyAccount!(companySettings);
      if (!companyAccount) {
        throw new ConfigurationError(
          "missing_credentials",
          `Operator "${operator.name}" uses the company's ${definition.displayName} account, which is not set in the settings.`,
        );
      }
      account = companyAccount;
    } else {
      account = openFields({ values: operator.account, secrets: operator.accountSecrets }, secrets, `operator:${operator.id}`);
    }
    return definition.createAdapter({ account, company: companySettings, logger, credential: shared ? "company" : `operator:${operator.id}` });
  } catch (error) {
    if (error instanceof ProviderSetupError) throw new ConfigurationError("missing_credentials", `Operator "${operator.name}": ${error.message}`);
    if (error instanceof SecretUnreadable) {
      throw new ConfigurationError(
        "secrets_unreadable",
        "The stored credentials cannot be opened with this SECRET_KEY (it differs from the one they were sealed with): start with the right key, or enter the credentials again.",
      );
    }
    throw error;
  }
}
