// R1 settings as the API shows and takes them; secrets are write-only (R2).
// The Google fields SPEC names are the google provider's company settings
// (its legacySettings), so they follow that provider's schema.
import { z } from "@hono/zod-openapi";
import type { ProviderRegistry } from "../../adapters/registry.js";
import { conflictPolicies } from "../../db/enums.js";
import { settingsAliases } from "../company-settings.js";
import { ianaZone } from "./common.js";

export function settingsSchemas(providers: ProviderRegistry) {
  const aliases = settingsAliases(providers);
  const about = (alias: (typeof aliases)[number]) =>
    `The ${alias.provider.definition.id} provider's company setting ${alias.field} (/api/providers/${alias.provider.definition.id}/settings)`;
  const Settings = z
    .object({
      monthsBack: z.int(),
      timeZone: z.string(),
      conflictPolicy: z.enum(conflictPolicies),
      pollIntervalSeconds: z.int(),
      ...Object.fromEntries(
        aliases.map((alias) =>
          alias.secret
            ? [`${alias.name}Set`, z.boolean().openapi({ description: `${about(alias)} is set` })]
            : [alias.name, alias.schema.describe(about(alias))],
        ),
      ),
    })
    .openapi("Settings");
  const SettingsPatch = z
    .strictObject({
      monthsBack: z.int().min(0).max(120),
      timeZone: ianaZone,
      conflictPolicy: z.enum(conflictPolicies),
      pollIntervalSeconds: z.int().min(1).max(86_400),
      ...Object.fromEntries(
        aliases.map((alias) => [
          alias.name,
          alias.secret ? alias.schema.nullable().describe(`${about(alias)}; write-only, null clears it`) : alias.schema.describe(about(alias)),
        ]),
      ),
    })
    .partial()
    .openapi("SettingsPatch");
  return { Settings, SettingsPatch };
}
