// Links that start a consent flow (GET /oauth/{provider}/start), offered where
// a credential is missing or refused: on GET /api/credentials and in an
// actor's lastError.
import type { Context } from "hono";
import type { ProviderRegistry } from "../../adapters/registry.js";
import { usesCompanyAccount } from "../../engine/credentials.js";
import { baseUrlOf } from "../base-url.js";
import type { AppEnv } from "../deps.js";

export type ConsentLinkTarget =
  | { kind: "company"; provider: string }
  /** `account`: the operator's plain account fields (secrets left out). */
  | { kind: "operator"; provider: string; operatorId: string; account: Record<string, unknown> };

/** Where an administrator connects (again) this credential in a browser; null when its provider has no consent flow for it. */
export function consentUrl(c: Context<AppEnv>, providers: ProviderRegistry, target: ConsentLinkTarget): string | null {
  const provider = providers.get(target.provider);
  const flow = provider?.definition.oauth;
  if (!flow) return null;
  const start = `${baseUrlOf(c)}/oauth/${encodeURIComponent(target.provider)}/start`;
  if (target.kind === "company") return flow.companyField && provider.definition.capabilities.companyAccount ? `${start}?target=company` : null;
  if (flow.usesConsent && !flow.usesConsent(target.account)) return null;
  return `${start}?target=operator&operatorId=${target.operatorId}`;
}

/** The consent link for the credential an operator's bindings sign in with. */
export function operatorConsentUrl(
  c: Context<AppEnv>,
  providers: ProviderRegistry,
  operator: { id: string; provider: string; useConfigToken: boolean; account: Record<string, unknown> },
): string | null {
  return usesCompanyAccount(providers.get(operator.provider), operator)
    ? consentUrl(c, providers, { kind: "company", provider: operator.provider })
    : consentUrl(c, providers, { kind: "operator", provider: operator.provider, operatorId: operator.id, account: operator.account });
}
