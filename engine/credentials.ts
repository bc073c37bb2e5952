// Which account a binding signs in with, and the adapter for it: the
// operator's own account on its provider, or the provider's company account
// (SPEC R4's token from configuration). The engine names no provider.
import type { Logger } from "pino";
import { ProviderSetupError } from "../adapters/provider.js";
import type { ProviderRegistry, RegisteredProvider } from "../adapters/registry.js";
import type { CalendarAdapter } from "../adapters/types.js";
import type { BindingConfig } from "../db/queries/bindings.js";
import { openFields, type StoredFields } from "../db/sealed-fields.js";
import { type SecretBox, SecretUnreadable } from "../db/secret-box.js";
import { ConfigurationError } from "./faults.js";

/** A provider's company settings, secrets opened and the schema's defaults applied (a pace never set is the default pace). */
export function openCompany(provider: RegisteredProvider, stored: StoredFields, secrets: SecretBox): Record<string, unknown> {
  const opened = openFields(stored, secrets, `provider:${provider.definition.id}`);
  const parsed = provider.company?.safeParse(opened);
  return parsed?.success ? parsed.data : opened;
}

export function adapterFor(config: BindingConfig, providers: ProviderRegistry, secrets: SecretBox, logger: Logger): CalendarAdapter {
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
    const shared = operator.useConfigToken && definition.capabilities.companyAccount && !!definition.companyAccount;
    if (shared && definition.companyAccount) {
      const companyAccount = definition.companyAccount(companySettings);
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
