// The providers every installation has, registered exactly as an external
// provider module is.
import { caldavProvider } from "./caldav/definition.js";
import type { CalDavAdapterOptions } from "./caldav/index.js";
import { googleProvider } from "./google/definition.js";
import { microsoftProvider } from "./microsoft/definition.js";
import type { MicrosoftAdapterOptions } from "./microsoft/index.js";
import type { ProviderRegistry } from "./registry.js";

export interface BuiltInOptions {
  google: Parameters<typeof googleProvider>[0];
  caldav?: CalDavAdapterOptions;
  microsoft?: MicrosoftAdapterOptions;
}

export function registerBuiltInProviders(registry: ProviderRegistry, options: BuiltInOptions): ProviderRegistry {
  registry.register(googleProvider(options.google));
  registry.register(caldavProvider(options.caldav));
  registry.register(microsoftProvider(options.microsoft));
  return registry;
}
