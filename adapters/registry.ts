// The providers an installation runs: built-in ones and those TASKCAL_PROVIDERS
// names, registered the same way. A module that fails to load, or two with one
// id, stop start-up with a message that says which and why.
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { PROVIDER_API_VERSION, type ProviderDefinition, type ProviderKit, type ProviderModuleExport, type SettingsSpec } from "./provider.js";

/** A provider as taskcal uses it: its definition and its schemas as zod. */
export interface RegisteredProvider {
  // biome-ignore lint/suspicious/noExplicitAny: accounts and settings are the provider's own shapes, opaque here
  definition: ProviderDefinition<any, any>;
  account: z.ZodType<Record<string, unknown>>;
  company: z.ZodType<Record<string, unknown>> | null;
  accountSecrets: readonly string[];
  companySecrets: readonly string[];
}

export class ProviderLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderLoadError";
  }
}

const ID = /^[a-z][a-z0-9-]{0,39}$/;

function zodOf(spec: SettingsSpec<unknown>, where: string): z.ZodType<Record<string, unknown>> {
  const schema = "jsonSchema" in spec.schema ? z.fromJSONSchema(spec.schema.jsonSchema as never) : spec.schema;
  if (typeof (schema as z.ZodType).safeParse !== "function") throw new ProviderLoadError(`${where} is neither a zod schema nor { jsonSchema }`);
  return schema as z.ZodType<Record<string, unknown>>;
}

export class ProviderRegistry {
  private readonly byId = new Map<string, RegisteredProvider>();

  // biome-ignore lint/suspicious/noExplicitAny: see RegisteredProvider
  register(definition: ProviderDefinition<any, any>, source = "a built-in provider"): void {
    const what = `${source} (${JSON.stringify(definition?.id)})`;
    if (!definition || typeof definition !== "object") throw new ProviderLoadError(`${source} gave no provider definition`);
    if (definition.apiVersion !== PROVIDER_API_VERSION) {
      throw new ProviderLoadError(
        `${what} implements provider interface version ${definition.apiVersion}; this taskcal runs version ${PROVIDER_API_VERSION}`,
      );
    }
    if (typeof definition.id !== "string" || !ID.test(definition.id))
      throw new ProviderLoadError(`${what}: the id must be lower case letters, digits and dashes`);
    if (this.byId.has(definition.id)) throw new ProviderLoadError(`${what}: a provider with the id "${definition.id}" is already registered`);
    if (typeof definition.createAdapter !== "function" || !definition.account || !definition.capabilities) {
      throw new ProviderLoadError(`${what} lacks createAdapter, account or capabilities`);
    }
    this.byId.set(definition.id, {
      definition,
      account: zodOf(definition.account, `${what}'s account schema`),
      company: definition.company ? zodOf(definition.company, `${what}'s company schema`) : null,
      accountSecrets: definition.account.secrets ?? [],
      companySecrets: definition.company?.secrets ?? [],
    });
  }

  get(id: string): RegisteredProvider | undefined {
    return this.byId.get(id);
  }

  list(): RegisteredProvider[] {
    return [...this.byId.values()];
  }

  /**
   * Loads provider modules by path (relative to `baseDir`) or package name
   * (installed beside taskcal, in its node_modules).
   * Each exports, as `default` or `provider`, a definition or a function of
   * the kit that returns one.
   */
  async load(specs: readonly string[], kit: ProviderKit, baseDir: string): Promise<void> {
    for (const spec of specs) {
      const target = spec.startsWith(".") || isAbsolute(spec) ? pathToFileURL(resolve(baseDir, spec)).href : spec;
      let loaded: { default?: ProviderModuleExport; provider?: ProviderModuleExport };
      try {
        loaded = await import(target);
      } catch (error) {
        throw new ProviderLoadError(`provider module ${spec} could not be loaded: ${(error as Error).message}`);
      }
      const exported = loaded.default ?? loaded.provider;
      if (!exported) throw new ProviderLoadError(`provider module ${spec} exports no provider (as default or as provider)`);
      let definition: ProviderDefinition;
      try {
        definition = typeof exported === "function" ? await exported(kit) : exported;
      } catch (error) {
        throw new ProviderLoadError(`provider module ${spec} failed to set up: ${(error as Error).message}`);
      }
      if (!definition || typeof definition !== "object" || !("apiVersion" in definition)) {
        throw new ProviderLoadError(`provider module ${spec} gives no provider definition (an object with apiVersion, id, account, createAdapter…)`);
      }
      this.register(definition, `provider module ${spec}`);
    }
  }
}
