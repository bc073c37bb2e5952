// R4 operators and their calendar account: a registered provider's id and an
// account its schema validates (GET /api/providers lists them). Each
// provider's first-release spellings (its legacyAliases: Google's top-level
// refreshToken, CalDAV's `caldav` object) stay as fields beside `account`.
import { z } from "@hono/zod-openapi";
import type { ProviderRegistry } from "../../adapters/registry.js";
import { text } from "./common.js";

const providerId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, { error: "must be a provider id such as google or caldav" })
  .openapi({ description: "A registered provider's id (GET /api/providers); default google", example: "caldav" });

/** The OpenAPI component that shows a provider's account schema. */
export const accountComponent = (providerId: string) => `${providerId}Account`;

/** Account fields as sent: the chosen provider's schema checks them. */
const accountInput = (providers: ProviderRegistry) => {
  const refs = providers.list().map((p) => ({ $ref: `#/components/schemas/${accountComponent(p.definition.id)}` }));
  return z.record(z.string().max(100), z.unknown()).openapi({
    description: "The operator's account on its provider, as that provider's account schema describes it; secret fields are write-only",
    ...(refs.length ? { anyOf: refs } : {}),
  });
};

/** The aliases every registered provider declares, with the provider each belongs to. */
export function legacyAliases(providers: ProviderRegistry) {
  return providers.list().flatMap((p) => {
    const aliases = p.definition.legacyAliases ?? {};
    return [
      ...(aliases.fields ?? []).map((name) => ({ name, kind: "field" as const, provider: p.definition.id, secret: p.accountSecrets.includes(name) })),
      ...(aliases.object ? [{ name: aliases.object, kind: "object" as const, provider: p.definition.id, secret: false }] : []),
    ];
  });
}

/** The operator schemas for the providers this installation runs. */
export function operatorSchemas(providers: ProviderRegistry) {
  const aliases = legacyAliases(providers);
  const aliasInputs = Object.fromEntries(
    aliases.map((alias) => [
      alias.name,
      (alias.kind === "object" ? z.record(z.string().max(100), z.unknown()) : z.unknown()).openapi({
        description: `For provider ${alias.provider}: the same as ${alias.kind === "object" ? "account" : `account.${alias.name}`}${alias.secret ? "; write-only" : ""}`,
      }),
    ]),
  );
  const aliasViews = Object.fromEntries(
    aliases.flatMap(
      (alias): Array<[string, z.ZodType]> =>
        alias.kind === "object"
          ? [
              [
                alias.name,
                z
                  .record(z.string(), z.unknown())
                  .nullable()
                  .openapi({ description: `Provider ${alias.provider}: the account again, as the first release showed it` }),
              ],
            ]
          : alias.secret
            ? [[`${alias.name}Set`, z.boolean().openapi({ description: `Provider ${alias.provider}: account.${alias.name} is set` })]]
            : [],
    ),
  );
  const fields = {
    name: text(200, 1).openapi({ example: "Anna Nowak" }),
    googleEnabled: z.boolean().openapi({ description: "Calendar synchronization on for this operator (any provider)" }),
    useConfigToken: z.boolean().openapi({ description: "Use the provider's company account (Google: the settings' default refresh token)" }),
    provider: providerId,
  };
  const Operator = z
    .object({
      id: z.uuid(),
      name: z.string(),
      googleEnabled: z.boolean(),
      useConfigToken: z.boolean(),
      provider: z.string(),
      account: z.record(z.string(), z.unknown()).openapi({ description: "The account's fields; for each secret only `<field>Set`" }),
      ...aliasViews,
    })
    .openapi("Operator");
  const OperatorCreate = z
    .strictObject({
      ...fields,
      provider: providerId.default("google"),
      account: accountInput(providers).optional(),
      ...Object.fromEntries(Object.entries(aliasInputs).map(([name, schema]) => [name, schema.optional()])),
    })
    .openapi("OperatorCreate");
  const OperatorPatch = z
    .strictObject({
      ...fields,
      account: accountInput(providers)
        .nullable()
        .openapi({ description: "Merged into the current account (null clears a field); a new provider takes a new account" }),
      ...Object.fromEntries(Object.entries(aliasInputs).map(([name, schema]) => [name, schema.nullable()])),
    })
    .partial()
    .openapi("OperatorPatch");
  return { Operator, OperatorCreate, OperatorPatch };
}

export const CalendarBindingSchema = z.object({ bindingId: z.uuid(), eventTypeId: z.uuid(), calendarName: z.string() }).openapi("CalendarBinding");

export const CalendarBindingsPutSchema = z
  .array(
    z.strictObject({
      eventTypeId: z.uuid(),
      calendarName: text(255, 1).openapi({ example: "Sales offers", description: "Compared exactly as typed, after trimming" }),
    }),
  )
  .max(100)
  .openapi("CalendarBindingsPut");
