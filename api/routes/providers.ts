// /api/providers: the calendar providers this installation runs (built-in and
// TASKCAL_PROVIDERS), what each supports, and their company-level settings.
import { createRoute, z } from "@hono/zod-openapi";
import type { ProviderRegistry, RegisteredProvider } from "../../adapters/registry.js";
import { providerSettingsOf, saveProviderSettings } from "../../db/queries/providers.js";
import { audit } from "../audit.js";
import { companyOwner, companySpec } from "../company-settings.js";
import { notFound } from "../errors.js";
import { maskSecrets, mergeFields, showFields } from "../provider-fields.js";
import { createRouter } from "../router.js";
import { errors, jsonBody, jsonResponse, security } from "../schemas/common.js";

const Capabilities = z
  .object({
    pushChannels: z.boolean(),
    syncTokens: z.boolean(),
    recurringExpansion: z.boolean(),
    maxPageSize: z.int(),
    moveEvents: z.boolean(),
    companyAccount: z.boolean(),
  })
  .openapi("ProviderCapabilities");

const Provider = z
  .object({
    id: z.string().openapi({ example: "google" }),
    displayName: z.string().openapi({ example: "Google Calendar" }),
    capabilities: Capabilities,
    accountSecrets: z.array(z.string()).openapi({ description: "Account fields that are secrets (write-only)" }),
    companySecrets: z.array(z.string()).openapi({ description: "Company settings that are secrets (write-only)" }),
  })
  .openapi("Provider");

const ProviderParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "google" }),
});

const CompanySettings = z
  .record(z.string(), z.unknown())
  .openapi("ProviderSettings", { description: "The provider's company settings as its schema describes them; each secret only as `<field>Set`" });

const tags = ["providers"];

export function providerRoutes(providers: ProviderRegistry) {
  const toApi = ({ definition, accountSecrets, companySecrets }: RegisteredProvider) => ({
    id: definition.id,
    displayName: definition.displayName,
    capabilities: definition.capabilities,
    accountSecrets: [...accountSecrets],
    companySecrets: [...companySecrets],
  });
  const providerOf = (id: string) => {
    const provider = providers.get(id);
    if (!provider) throw notFound("provider", id);
    return provider;
  };

  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        tags,
        summary: "List the registered providers and what each supports",
        security,
        responses: { 200: jsonResponse(z.array(Provider), "Providers, by id"), ...errors() },
      }),
      (c) =>
        c.json(
          providers
            .list()
            .map(toApi)
            .sort((a, b) => a.id.localeCompare(b.id)),
          200,
        ),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{id}/settings",
        tags,
        summary: "Read a provider's company settings (secrets show only whether they are set)",
        security,
        request: { params: ProviderParam },
        responses: { 200: jsonResponse(CompanySettings, "The settings"), ...errors(404) },
      }),
      async (c) => {
        const provider = providerOf(c.req.valid("param").id);
        return c.json(showFields(companySpec(provider), await providerSettingsOf(c.var.db, provider.definition.id)), 200);
      },
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/{id}/settings",
        tags,
        summary: "Change a provider's company settings",
        description:
          "Merged into the stored settings (null clears a field) and checked by the provider's schema; the actors of its operators follow.",
        security,
        request: { params: ProviderParam, body: jsonBody(CompanySettings) },
        responses: { 200: jsonResponse(CompanySettings, "The settings after the change"), ...errors(400, 404, 413, 415) },
      }),
      async (c) => {
        const provider = providerOf(c.req.valid("param").id);
        const id = provider.definition.id;
        const patch = c.req.valid("json");
        const spec = companySpec(provider);
        const stored = await c.var.db.transaction(async (tx) => {
          const { stored, dropped } = mergeFields(spec, await providerSettingsOf(tx, id), patch, c.var.secrets, companyOwner(id), "");
          await saveProviderSettings(tx, id, stored);
          const change = maskSecrets(spec, { ...patch, ...Object.fromEntries(dropped.map((name) => [name, null])) }) as Record<string, unknown>;
          await audit(c, tx, "provider-settings", id, change);
          return stored;
        });
        return c.json(showFields(spec, stored), 200);
      },
    );
}
