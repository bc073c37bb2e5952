// The public provider interface, version 1: what a calendar provider module
// gives taskcal, and what taskcal gives it. Built-in providers (Google,
// CalDAV) are written against it exactly as an integrator's would be; an
// installation adds its own with TASKCAL_PROVIDERS. External modules import
// it as `taskcal/provider`.
import type { Logger } from "pino";
import type { z } from "zod";
import type { providerErrors } from "./kit.js";
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

/** A request to `POST /webhooks/{provider}`, as the provider's webhook parser sees it. */
export interface WebhookRequest {
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** The raw body (at most 1 MiB). */
  body: string;
}

/** One change notice of a push channel a binding opened (CalendarAdapter.watch). */
export interface PushNotice {
  /** The WatchRequest's channelId. */
  channelId: string;
  /** The WatchRequest's token, as the notice carried it: taskcal checks it (constant time) before anything else. */
  token: string;
  /** The WatchChannel's resourceId, when the notice names it. */
  resourceId?: string;
  /** False for a notice that only confirms a new channel (Google's `sync`): there is nothing to fetch. */
  changed: boolean;
  /** The provider asks for the channel to be renewed or opened again now (Graph's lifecycle notifications). */
  renew?: boolean;
}

/** What a provider's webhook parser makes of a request. */
export interface WebhookParse {
  notices: PushNotice[];
  /**
   * The answer, when the provider needs a particular one (Graph's validation
   * handshake, its 202). Absent: 204 when every notice named a live channel
   * of this installation, 404 otherwise (a sender that stops on errors stops).
   */
  respond?: { status: number; body?: string; contentType?: string };
}

/** What a provider's token endpoint answered when a consent was redeemed, as the consent flow hands it over. */
export interface OAuthTokenAnswer {
  /** The whole JSON answer (access_token, refresh_token, scope, id_token…). */
  body: Record<string, unknown>;
  /**
   * The ID token's claims, when the answer carried one. Read, not verified:
   * it came straight from the token endpoint over TLS (OpenID Connect Core §3.1.3.7).
   */
  idTokenClaims?: Record<string, unknown>;
}

/**
 * Accounts connected in a browser: the authorization code flow with PKCE
 * (RFC 6749 §4.1, RFC 7636) that GET /oauth/{provider}/start and
 * /oauth/{provider}/callback run for the company account or an operator's own.
 */
export interface OAuthFlow<Account, Company> {
  /** Where the browser consents and where the code is redeemed; from the company settings (a tenant may be part of them). */
  endpoints(company: Company): { authorizationUrl: string; tokenUrl: string };
  /** The app registration in the company settings; null while it is not set (the flow cannot start). */
  client(company: Company): { clientId: string; clientSecret: string } | null;
  scopes: readonly string[];
  /** More parameters of the authorization request (Google: access_type=offline, prompt=consent). */
  authorizationParams?: Readonly<Record<string, string>>;
  /** The account field that receives the refresh token when an operator connects their own account. */
  accountField: string;
  /** Account fields the consented token takes the place of: cleared when it is stored. */
  supersedes?: readonly string[];
  /** The company settings field that receives it when the company account is connected (capabilities.companyAccount). */
  companyField?: string;
  /** The account's identity (an e-mail) from the answer; null when it does not say (taskcal then asks the calendar: accountId()). */
  identity(answer: OAuthTokenAnswer): string | null;
  /** Where an account's owner removes this app's access (a consent that gave no refresh token is asked again after), for the advice taskcal shows. */
  accessSettingsUrl?: string;
  /** False for an account that signs in another way (a service account): no consent link is offered for it. Given its plain fields (secrets left out). */
  usesConsent?(account: Account): boolean;
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
  /**
   * For providers with push channels: reads a request to
   * `POST /webhooks/{id}` (the address taskcal gives watch) into notices. It
   * must not trust anything before taskcal has checked each notice's token.
   */
  webhook?(request: WebhookRequest): WebhookParse;
  /** Accounts can be connected in a browser (GET /oauth/{id}/start); absent: credentials are entered through the API only. */
  oauth?: OAuthFlow<Account, Company>;
}

/**
 * What a provider module exports (as `default` or `provider`): a definition,
 * or a function of taskcal's kit returning one (the way to build zod schemas
 * with taskcal's own `z`).
 */
export type ProviderModuleExport = ProviderDefinition | ((kit: ProviderKit) => ProviderDefinition | Promise<ProviderDefinition>);

/**
 * What taskcal hands a provider module at load time. Everything a module needs
 * at run time comes from here, so it needs no import of taskcal at run time
 * (only `import type` from `taskcal/provider`): its errors are taskcal's own
 * classes, whatever folder the module lives in.
 */
export interface ProviderKit {
  /** The interface version this taskcal runs (a definition must declare the same). */
  apiVersion: typeof PROVIDER_API_VERSION;
  /** taskcal's zod instance (with `.openapi()` metadata), for the provider's schemas. */
  z: typeof z;
  /** The normalized adapter errors (NotFound, PreconditionFailed, SyncTokenExpired…) and ProviderSetupError. */
  errors: typeof providerErrors;
  /** Identity at run time; types a definition by its schemas. */
  defineProvider: typeof defineProvider;
}

/** Types a provider by its schemas; an identity at run time. */
export function defineProvider<Account, Company = Record<string, unknown>>(
  definition: ProviderDefinition<Account, Company>,
): ProviderDefinition<Account, Company> {
  return definition;
}
