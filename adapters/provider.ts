// The public provider interface, version 1: what a calendar provider module
// gives taskcal, and what taskcal gives it. Built-in providers (Google,
// CalDAV) are written against it exactly as an integrator's would be; an
// installation adds its own with TASKCAL_PROVIDERS. External modules import
// it as `taskcal/provider`.
import type { Logger } from "pino";
import type { z } from "zod";
import type { CalendarAdapter } from "./types.js";

export const PROVIDER_API_VERSION = 1;

/**
 * A schema of settings: zod, built with the `z` taskcal hands the module
 * (its own instance, so the schema reaches the OpenAPI document), or a JSON
 * Schema object, which taskcal turns into zod.
 */
export interface SettingsSpec<T> {
  schema: z.ZodType<T> | { jsonSchema: Record<string, unknown> };
  /** Fields that hold secrets: sealed at rest, write-only over the API (answers say `<field>Set`), censored in logs. */
  secrets: readonly string[];
  /**
   * Where the secrets are valid (a password for one server): when a change
   * moves this elsewhere, stored secrets not given again with the change are
   * dropped, so a saved password never goes to a new host.
   */
  secretsBoundTo?(settings: T): string;
  /** Fields that companyChanged applies as they change (a pace): a change of only these restarts no actor. */
  appliedLive?: readonly string[];
}

export interface ProviderCapabilities {
  /** Change notifications to a public address (a webhook), so polling becomes a backstop. */
  pushChannels: boolean;
  /** Change listings from a token (else every listing is a full one). */
  syncTokens: boolean;
  /** Recurring series come as their occurrences. */
  recurringExpansion: boolean;
  /** Events per page of a change listing, at most. */
  maxPageSize: number;
  /** Events move whole between calendars of one account (moveEvent). */
  moveEvents: boolean;
  /** Operators may use one company account configured once (SPEC R4's useConfigToken). */
  companyAccount: boolean;
}

/** What taskcal passes when it needs an adapter. */
export interface ProviderContext<Account, Company> {
  /** The operator's account (or the company's), secrets opened. */
  account: Account;
  /** The provider's company-level settings, secrets opened; `{}` when it has none. */
  company: Company;
  /** A child logger that censors secrets; never log an account's secrets anyway. */
  logger: Logger;
  /**
   * Which credential the account is opened with (`company`, or `operator:<id>` for an operator's own):
   * a label for per-account metrics such as pacing, never an address or a secret. Optional for callers
   * outside taskcal's engine.
   */
  credential?: string;
}

/** Thrown by createAdapter when settings an administrator must give are missing or unusable. */
export class ProviderSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderSetupError";
  }
}

export interface ProviderDefinition<Account = Record<string, unknown>, Company = Record<string, unknown>> {
  apiVersion: typeof PROVIDER_API_VERSION;
  /** Lower case letters, digits and dashes: the operators' `provider` value. */
  id: string;
  displayName: string;
  capabilities: ProviderCapabilities;
  /** An operator's account on this provider (POST /api/operators `account`). */
  account: SettingsSpec<Account>;
  /** Company-level settings (an app registration, a tenant, a pace); PATCH /api/providers/{id}/settings. */
  company?: SettingsSpec<Company>;
  /**
   * Request fields from before `account` that still work: top-level fields
   * each standing for the account field of the same name (answers add
   * `<field>Set` for secrets), or one object standing for the whole account
   * (answers repeat the account under its name).
   */
  legacyAliases?: { fields?: readonly string[]; object?: string };
  /**
   * SPEC's /api/settings fields that stand for company settings (Google's
   * googleClientId and the like), by the company field each one is.
   */
  legacySettings?: Readonly<Record<string, string>>;
  /** The account operators with useConfigToken use, from the company settings; null when none is configured. */
  companyAccount?(company: Company): Account | null;
  /**
   * An adapter for one account. Called for every pass: keep it cheap and
   * share per-account state (tokens, pacing) inside the provider. Throws
   * ProviderSetupError when the settings cannot work.
   */
  createAdapter(context: ProviderContext<Account, Company>): CalendarAdapter;
  /** The company settings changed (a pace, say): shared state follows. */
  companyChanged?(company: Company): void;
}

/**
 * What a provider module exports (as `default` or `provider`): a definition,
 * or a function of taskcal's kit returning one (the way to build zod schemas
 * with taskcal's own `z`).
 */
export type ProviderModuleExport = ProviderDefinition | ((kit: ProviderKit) => ProviderDefinition | Promise<ProviderDefinition>);

export interface ProviderKit {
  /** taskcal's zod instance (with `.openapi()` metadata), for the provider's schemas. */
  z: typeof z;
}

/** Types a provider by its schemas; an identity at run time. */
export function defineProvider<Account, Company = Record<string, unknown>>(
  definition: ProviderDefinition<Account, Company>,
): ProviderDefinition<Account, Company> {
  return definition;
}
