// A provider's company-level settings (provider_settings) through the API:
// GET/PATCH /api/providers/{id}/settings, and the SPEC's Google fields of
// /api/settings, which are the google provider's legacySettings.
import { z } from "zod";
import type { ProviderRegistry, RegisteredProvider } from "../adapters/registry.js";
import type { FieldsSpec } from "./provider-fields.js";

export const companyOwner = (providerId: string) => `provider:${providerId}`;

const none = z.strictObject({});

export const companySpec = (provider: RegisteredProvider): FieldsSpec => ({
  schema: provider.company ?? none,
  secrets: provider.companySecrets,
  boundTo: provider.definition.company?.secretsBoundTo,
});

export interface SettingsAlias {
  /** The /api/settings field. */
  name: string;
  provider: RegisteredProvider;
  /** The company field it stands for. */
  field: string;
  secret: boolean;
  /** The field's schema as a patch takes it (no default, not optional), when the company schema is an object. */
  schema: z.ZodType;
}

function fieldSchema(company: z.ZodType<Record<string, unknown>> | null, field: string): z.ZodType {
  let schema = company instanceof z.ZodObject ? (company.shape[field] as z.ZodType | undefined) : undefined;
  while (schema && (schema instanceof z.ZodDefault || schema instanceof z.ZodOptional)) schema = schema.unwrap() as z.ZodType;
  return schema ?? z.unknown();
}

export function settingsAliases(providers: ProviderRegistry): SettingsAlias[] {
  return providers.list().flatMap((provider) =>
    Object.entries(provider.definition.legacySettings ?? {}).map(([name, field]) => ({
      name,
      provider,
      field,
      secret: provider.companySecrets.includes(field),
      schema: fieldSchema(provider.company, field),
    })),
  );
}
