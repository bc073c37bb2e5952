// `taskcal/provider`: the public provider interface (version 1), the one
// module a provider — built in or an integrator's — is written against: the
// definition a module exports, the CalendarAdapter it makes, the normalized
// errors, and the pacing and retry helpers built-in providers share. An
// external module may import only types from here; what it needs at run time
// comes with the ProviderKit taskcal passes it (kit.ts). The
// contract suite is `taskcal/provider/contract` (contract/suite.ts).

export { type CallPriority, Pacer, type PacerClock } from "./pacer.js";
export type { ProviderKit } from "./provider.js";
export {
  defineProvider,
  PROVIDER_API_VERSION,
  type ProviderCapabilities,
  type ProviderContext,
  type ProviderDefinition,
  type ProviderModuleExport,
  ProviderSetupError,
  type PushNotice,
  type SettingsSpec,
  type WebhookParse,
  type WebhookRequest,
} from "./provider.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from "./retry-policy.js";
export * from "./types.js";
