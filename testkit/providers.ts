// Provider registries for tests: the built-in providers as a service has them
// (Google pointed at an address nothing answers unless a fake is given).
import { type BuiltInOptions, registerBuiltInProviders } from "../adapters/built-in.js";
import { ProviderRegistry } from "../adapters/registry.js";

export function builtInRegistry(options: Partial<BuiltInOptions> = {}): ProviderRegistry {
  return registerBuiltInProviders(new ProviderRegistry(), {
    google: options.google ?? { apiRootUrl: "https://www.googleapis.com/", tokenUrl: "https://oauth2.googleapis.com/token" },
    caldav: options.caldav,
    microsoft: options.microsoft,
  });
}
