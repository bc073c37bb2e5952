// What a consent flow reads and writes: the provider's flow and OAuth client,
// where the refresh token goes (the company account, or an operator's own),
// and writing it there with its audit entry, in one transaction.
import type { Context } from "hono";
import type { OAuthFlow, OAuthTokenAnswer } from "../../adapters/provider.js";
import type { RegisteredProvider } from "../../adapters/registry.js";
import type { Db } from "../../db/database.js";
import { type OperatorRow, operatorById, updateOperator } from "../../db/queries/operators.js";
import { providerSettingsOf, saveProviderSettings } from "../../db/queries/providers.js";
import type { StoredFields } from "../../db/sealed-fields.js";
import { type CredentialRef, companyCredential, credentialOf, openCompany } from "../../engine/credentials.js";
import { audit } from "../audit.js";
import { companyOwner, companySpec } from "../company-settings.js";
import type { AppEnv } from "../deps.js";
import { ApiError, invalidInput, notFound } from "../errors.js";
import { accountOwner, accountSpec } from "../operator-accounts.js";
import { mergeFields } from "../provider-fields.js";

// biome-ignore lint/suspicious/noExplicitAny: accounts and settings are the provider's own shapes
type AnyFlow = OAuthFlow<any, any>;

export interface ConsentProvider {
  provider: RegisteredProvider;
  flow: AnyFlow;
  company: Record<string, unknown>;
  client: { clientId: string; clientSecret: string };
  endpoints: { authorizationUrl: string; tokenUrl: string };
}

export type ConsentTarget = { kind: "company" } | { kind: "operator"; operator: OperatorRow };

/** The provider's consent flow with its OAuth client, or the API error that stops the flow before it starts. */
export async function consentProvider(c: Context<AppEnv>, id: string): Promise<ConsentProvider> {
  const provider = c.var.providers.get(id);
  const flow = provider?.definition.oauth;
  if (!provider || !flow) throw notFound("provider with a consent flow", JSON.stringify(id));
  let company: Record<string, unknown>;
  try {
    company = openCompany(provider, await providerSettingsOf(c.var.db, id), c.var.secrets);
  } catch {
    throw new ApiError("conflict", `${provider.definition.displayName}'s stored settings cannot be opened with this SECRET_KEY: enter them again`);
  }
  const client = flow.client(company);
  if (!client) {
    throw new ApiError(
      "conflict",
      `${provider.definition.displayName}'s OAuth client (client id and secret) is not set: set it first (PATCH /api/settings, or /api/providers/${id}/settings)`,
    );
  }
  return { provider, flow, company, client, endpoints: flow.endpoints(company) };
}

/** Where the token of this flow goes; the API error (naming the query field) when it cannot go there. */
export async function consentTarget(db: Db, consent: ConsentProvider, target: string, operatorId: string | undefined): Promise<ConsentTarget> {
  const { definition } = consent.provider;
  if (target === "company") {
    if (!definition.capabilities.companyAccount || !consent.flow.companyField) {
      throw invalidInput([{ path: "target", message: `${definition.displayName} has no company account: connect an operator's own` }], "query");
    }
    return { kind: "company" };
  }
  if (!operatorId) throw invalidInput([{ path: "operatorId", message: "required with target=operator" }], "query");
  const operator = await operatorById(db, operatorId);
  if (!operator) throw notFound("operator", operatorId);
  if (operator.provider !== definition.id) {
    throw new ApiError("conflict", `operator "${operator.name}" uses provider ${operator.provider}, not ${definition.id}: change its provider first`);
  }
  return { kind: "operator", operator };
}

/**
 * Stores the consented refresh token, sealed, with its audit entry, in one
 * transaction: as the company account's, or as the operator's own (who then
 * stops using the company account). The actors concerned restart by
 * themselves (the configuration changed). Returns the credential as stored now.
 */
export async function storeConsent(
  c: Context<AppEnv>,
  consent: ConsentProvider,
  target: ConsentTarget,
  refreshToken: string,
): Promise<CredentialRef> {
  const { provider, flow } = consent;
  const id = provider.definition.id;
  return c.var.db.transaction(async (tx) => {
    if (target.kind === "company") {
      const field = flow.companyField!;
      const spec = companySpec(provider);
      const { stored } = mergeFields(spec, await providerSettingsOf(tx, id), { [field]: refreshToken }, c.var.secrets, companyOwner(id), "");
      await saveProviderSettings(tx, id, stored);
      await audit(c, tx, "provider-settings", id, { [field]: "***", via: "consent" });
      return companyCredential(provider, stored);
    }
    const { operator } = target;
    const patch = { [flow.accountField]: refreshToken, ...Object.fromEntries((flow.supersedes ?? []).map((name) => [name, null])) };
    const current: StoredFields = { values: operator.account, secrets: operator.accountSecrets };
    const { stored } = mergeFields(accountSpec(provider), current, patch, c.var.secrets, accountOwner(operator.id), "account");
    const updated = await updateOperator(tx, operator.id, { account: stored.values, accountSecrets: stored.secrets, useConfigToken: false });
    await audit(c, tx, "operator", operator.id, { account: { ...patch, [flow.accountField]: "***" }, useConfigToken: false, via: "consent" });
    return credentialOf({ operator: updated, company: { values: {}, secrets: {} } }, c.var.providers);
  });
}

/** The account's identity: as the token endpoint's answer says, else as the calendar does (a first call with the new token). */
export async function accountIdentity(
  c: Context<AppEnv>,
  consent: ConsentProvider,
  target: ConsentTarget,
  answer: OAuthTokenAnswer,
  refreshToken: string,
): Promise<string | null> {
  const said = consent.flow.identity(answer);
  if (said) return said;
  const { provider, flow, company } = consent;
  try {
    const account =
      target.kind === "company"
        ? provider.definition.companyAccount?.({ ...company, [flow.companyField!]: refreshToken })
        : { [flow.accountField]: refreshToken };
    return account ? await provider.definition.createAdapter({ account, company, logger: c.var.logger }).accountId() : null;
  } catch {
    // Unknown for now: the first actor to sign in with it records it.
    return null;
  }
}
