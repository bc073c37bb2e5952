// GET/PATCH /api/settings: the single settings row (id 1, seeded by the
// migration), and beside it the providers' company settings SPEC names here
// (the Google client, default token and pace), changed in the same transaction.
import { createRoute } from "@hono/zod-openapi";
import type { ProviderRegistry } from "../../adapters/registry.js";
import type { Db } from "../../db/database.js";
import type { conflictPolicies } from "../../db/enums.js";
import { providerSettingsOf, saveProviderSettings } from "../../db/queries/providers.js";
import { readSettings, updateSettings } from "../../db/queries/settings.js";
import { audit } from "../audit.js";
import { companyOwner, companySpec, settingsAliases } from "../company-settings.js";
import { mergeFields, showFields } from "../provider-fields.js";
import { createRouter } from "../router.js";
import { errors, jsonBody, jsonResponse, security } from "../schemas/common.js";
import { settingsSchemas } from "../schemas/settings.js";

type Fields = Record<string, unknown>;

export function settingsRoutes(providers: ProviderRegistry) {
  const { Settings, SettingsPatch } = settingsSchemas(providers);
  const aliases = settingsAliases(providers);

  async function view(db: Db) {
    const row = await readSettings(db);
    const shown = new Map<string, Fields>();
    for (const alias of aliases) {
      const id = alias.provider.definition.id;
      if (!shown.has(id)) shown.set(id, showFields(companySpec(alias.provider), await providerSettingsOf(db, id)));
    }
    const company = Object.fromEntries(
      aliases.map((alias) => {
        const fields = shown.get(alias.provider.definition.id) ?? {};
        return alias.secret ? [`${alias.name}Set`, fields[`${alias.field}Set`] === true] : [alias.name, fields[alias.field]];
      }),
    );
    return {
      monthsBack: row.monthsBack,
      timeZone: row.timeZone,
      conflictPolicy: row.conflictPolicy as (typeof conflictPolicies)[number],
      pollIntervalSeconds: row.pollIntervalSeconds,
      ...company,
    };
  }

  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        tags: ["settings"],
        summary: "Read the settings (secrets show only whether they are set)",
        security,
        responses: { 200: jsonResponse(Settings, "The settings"), ...errors() },
      }),
      async (c) => c.json(await view(c.var.db), 200),
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/",
        tags: ["settings"],
        summary: "Change any of the settings",
        security,
        request: { body: jsonBody(SettingsPatch) },
        responses: { 200: jsonResponse(Settings, "The settings after the change"), ...errors(400, 413, 415) },
      }),
      async (c) => {
        const body = c.req.valid("json") as Fields;
        const core: Fields = {};
        const company = new Map<string, Fields>();
        const audited: Fields = {};
        for (const [name, value] of Object.entries(body)) {
          const alias = aliases.find((a) => a.name === name);
          audited[name] = alias?.secret && value !== null ? "***" : value;
          if (!alias) core[name] = value;
          else company.set(alias.provider.definition.id, { ...company.get(alias.provider.definition.id), [alias.field]: value });
        }
        await c.var.db.transaction(async (tx) => {
          if (Object.keys(core).length > 0) await updateSettings(tx, core);
          for (const [id, patch] of company) {
            const provider = aliases.find((a) => a.provider.definition.id === id)?.provider;
            if (!provider) continue;
            const { stored } = mergeFields(companySpec(provider), await providerSettingsOf(tx, id), patch, c.var.secrets, companyOwner(id), "");
            await saveProviderSettings(tx, id, stored);
          }
          await audit(c, tx, "settings", null, audited);
        });
        return c.json(await view(c.var.db), 200);
      },
    );
}
