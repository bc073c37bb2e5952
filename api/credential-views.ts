// GET /api/credentials: every credential — each provider's company account
// (once set, or used by an operator) and each operator's own — with what is
// known of it. Whether it is complete is
// asked of its provider (can it make an adapter from it?); whose it is, when it
// last worked and its last refusal come from what the actors, consents and
// connection tests recorded (credential_health) about the credential as it is
// stored now.
import type { Context } from "hono";
import type { Logger } from "pino";
import { ProviderSetupError } from "../adapters/provider.js";
import type { RegisteredProvider } from "../adapters/registry.js";
import { syncingBindingOperators } from "../db/queries/bindings.js";
import { type CredentialHealthRow, credentialHealthRows } from "../db/queries/credentials.js";
import { listOperators } from "../db/queries/operators.js";
import { providerSettingsOf } from "../db/queries/providers.js";
import { openFields, type StoredFields } from "../db/sealed-fields.js";
import { type CredentialRef, companyCredential, credentialOf, openCompany, usesCompanyAccount } from "../engine/credentials.js";
import type { AppEnv } from "./deps.js";
import { consentUrl } from "./oauth/links.js";

export type CredentialStatus = "ok" | "revoked" | "missing" | "unverified";

export interface CredentialView {
  id: string;
  kind: "company" | "operator";
  provider: string;
  operatorId: string | null;
  account: string | null;
  status: CredentialStatus;
  lastRefreshAt: string | null;
  lastError: { code: string; message: string; at: string | null } | null;
  bindingIds: string[];
  authorizeUrl: string | null;
}

/** Why the provider cannot sign in with these settings; null when it can try. */
function missingReason(
  provider: RegisteredProvider | undefined,
  account: () => Record<string, unknown> | null,
  company: () => Record<string, unknown>,
  logger: Logger,
): string | null {
  if (!provider) return "its provider is not loaded in this installation (TASKCAL_PROVIDERS)";
  try {
    const opened = account();
    if (!opened) return `the company's ${provider.definition.displayName} account is not set`;
    provider.definition.createAdapter({ account: opened, company: company(), logger });
    return null;
  } catch (error) {
    if (error instanceof ProviderSetupError) return error.message;
    return "its stored secrets cannot be opened with this SECRET_KEY: enter them again";
  }
}

/** Whether the company account is stored (usable or not); secrets that do not open count as stored. */
function companyAccountSet(account: () => Record<string, unknown> | null): boolean {
  try {
    return account() !== null;
  } catch {
    return true;
  }
}

function view(
  ref: CredentialRef,
  row: CredentialHealthRow | undefined,
  missing: string | null,
  bindingIds: string[],
  authorizeUrl: string | null,
): CredentialView {
  // What was recorded of another credential (a replaced token) says nothing of this one.
  const known = row?.fingerprint === ref.fingerprint ? row : undefined;
  const refusedLast = !!known?.lastErrorAt && (!known.lastOkAt || known.lastErrorAt >= known.lastOkAt);
  const status: CredentialStatus = missing ? "missing" : refusedLast ? "revoked" : known?.lastOkAt ? "ok" : "unverified";
  const recordedError =
    known?.lastErrorCode && known.lastErrorAt
      ? { code: known.lastErrorCode, message: known.lastErrorMessage ?? "", at: known.lastErrorAt.toISOString() }
      : null;
  return {
    id: ref.id,
    kind: ref.kind,
    provider: ref.provider,
    operatorId: ref.operatorId,
    account: known?.account ?? null,
    status,
    lastRefreshAt: known?.lastOkAt?.toISOString() ?? null,
    lastError: missing ? { code: "missing_credentials", message: missing, at: null } : recordedError,
    bindingIds,
    authorizeUrl,
  };
}

export async function credentialViews(c: Context<AppEnv>): Promise<CredentialView[]> {
  const { db, logger, providers, secrets } = c.var;
  const health = new Map((await credentialHealthRows(db)).map((row) => [row.id, row]));
  const companies = new Map<string, StoredFields>();
  for (const provider of providers.list()) companies.set(provider.definition.id, await providerSettingsOf(db, provider.definition.id));
  const company = (id: string) => companies.get(id) ?? { values: {}, secrets: {} };
  const operators = await listOperators(db);
  const byOperator = new Map(operators.map((operator) => [operator.id, operator]));
  const bindingsOf = new Map<string, string[]>();
  for (const binding of await syncingBindingOperators(db)) {
    const operator = byOperator.get(binding.operatorId)!;
    const id = credentialOf({ operator, company: company(operator.provider) }, providers).id;
    bindingsOf.set(id, [...(bindingsOf.get(id) ?? []), binding.bindingId]);
  }

  const views: CredentialView[] = [];
  for (const provider of providers.list()) {
    const { definition } = provider;
    if (!definition.capabilities.companyAccount || !definition.companyAccount) continue;
    const stored = company(definition.id);
    const ref = companyCredential(provider, stored);
    const opened = () => openCompany(provider, stored, secrets);
    const missing = missingReason(provider, () => definition.companyAccount!(opened()), opened, logger);
    // A company account nobody uses and nobody set is not a credential yet (a provider the installation does not use).
    const used = operators.some((operator) => operator.provider === definition.id && usesCompanyAccount(provider, operator));
    if (!used && !companyAccountSet(() => definition.companyAccount!(opened()))) continue;
    views.push(
      view(ref, health.get(ref.id), missing, bindingsOf.get(ref.id) ?? [], consentUrl(c, providers, { kind: "company", provider: definition.id })),
    );
  }
  for (const operator of operators) {
    const provider = providers.get(operator.provider);
    if (usesCompanyAccount(provider, operator)) continue;
    const stored = company(operator.provider);
    const ref = credentialOf({ operator, company: stored }, providers);
    const account = () => openFields({ values: operator.account, secrets: operator.accountSecrets }, secrets, `operator:${operator.id}`);
    const missing = missingReason(provider, account, () => openCompany(provider!, stored, secrets), logger);
    views.push(
      view(
        ref,
        health.get(ref.id),
        missing,
        bindingsOf.get(ref.id) ?? [],
        consentUrl(c, providers, { kind: "operator", provider: operator.provider, operatorId: operator.id, account: operator.account }),
      ),
    );
  }
  return views;
}
