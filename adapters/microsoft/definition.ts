// Microsoft 365 (Outlook calendars through Microsoft Graph) as a provider on
// the public interface. The company settings hold the app registration —
// tenant, client id, client secret — and the endpoints; an operator's account
// is a refresh token (write-only), or the company's default one.
import { z } from "zod";
import { defineProvider, ProviderSetupError } from "../public.js";
import { createMicrosoftAdapterFactory, type MicrosoftAdapterOptions } from "./index.js";
import { microsoftWebhook } from "./webhook.js";

const DEFAULT_AUTHORITY = "https://login.microsoftonline.com/";
const DEFAULT_GRAPH = "https://graph.microsoft.com/v1.0/";
const PAGE_SIZE = 100;

/**
 * Graph's delegated scopes: offline_access for the refresh token,
 * Calendars.ReadWrite for the calendars ("Microsoft identity platform and
 * OAuth 2.0 authorization code flow").
 */
export const MICROSOFT_SCOPES = ["offline_access", "https://graph.microsoft.com/Calendars.ReadWrite"];

/** The identity platform's OAuth 2.0 endpoints of the app's tenant. */
const oauthBase = (company: MicrosoftCompanySettings) => `${company.authorityUrl}${encodeURIComponent(company.tenant)}/oauth2/v2.0/`;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https, or http on this host only (a local proxy, tests); kept with one trailing slash. */
const endpoint = (what: string) =>
  z
    .string()
    .max(500)
    .refine((value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return !url.username && !url.password && (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)));
    }, `must be an https address (http only on localhost)`)
    .transform((value) => value.replace(/\/?$/, "/"))
    .describe(what);

const secret = z.string().min(1).max(8192);

export const microsoftAccountSchema = z.strictObject({
  refreshToken: secret.optional().describe("The operator's own Microsoft 365 refresh token (write-only)"),
});

export const microsoftCompanySchema = z.strictObject({
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/, "must be a directory (tenant) id, a domain, or common / organizations")
    .default("organizations")
    .describe("The directory (tenant) id or domain of the app registration; organizations or common for multi-tenant apps"),
  clientId: z.string().max(100).default("").describe("The app registration's application (client) id"),
  clientSecret: secret.optional().describe("A client secret of the app registration (its value, not its id; write-only)"),
  defaultRefreshToken: secret.optional().describe("The company mailbox's refresh token, for operators with useConfigToken (write-only)"),
  authorityUrl: endpoint("The identity platform's address").default(DEFAULT_AUTHORITY),
  graphUrl: endpoint("Microsoft Graph's address, with its version").default(DEFAULT_GRAPH),
  requestsPerMinute: z.number().int().min(1).max(10_000).default(600).describe("The pace kept per mailbox (Outlook allows 10,000 per 10 minutes)"),
});

export type MicrosoftAccountSettings = z.infer<typeof microsoftAccountSchema>;
export type MicrosoftCompanySettings = z.infer<typeof microsoftCompanySchema>;

const originOf = (url: string | undefined) => (url && URL.canParse(url) ? new URL(url).origin : String(url));

export function microsoftProvider(options: MicrosoftAdapterOptions = {}) {
  const factory = createMicrosoftAdapterFactory(options);
  return defineProvider<MicrosoftAccountSettings, MicrosoftCompanySettings>({
    apiVersion: 1,
    id: "microsoft",
    displayName: "Microsoft 365 (Outlook)",
    capabilities: {
      pushChannels: true,
      syncTokens: true,
      recurringExpansion: true,
      maxPageSize: options.pageSize ?? PAGE_SIZE,
      // Graph v1.0 has no move for events.
      moveEvents: false,
      companyAccount: true,
    },
    account: { schema: microsoftAccountSchema, secrets: ["refreshToken"] },
    company: {
      schema: microsoftCompanySchema,
      secrets: ["clientSecret", "defaultRefreshToken"],
      // The secret and the company token go to the identity platform: a new one gets them only when given with the change.
      secretsBoundTo: (company) => originOf(company.authorityUrl ?? DEFAULT_AUTHORITY),
      appliedLive: ["requestsPerMinute"],
    },
    companyAccount: (company) => (company.defaultRefreshToken ? { refreshToken: company.defaultRefreshToken } : null),
    createAdapter({ account, company }) {
      if (!company.clientId || !company.clientSecret) {
        throw new ProviderSetupError("the Microsoft 365 app (client id and client secret) is not set: PATCH /api/providers/microsoft/settings.");
      }
      if (!account.refreshToken) {
        throw new ProviderSetupError("no Microsoft 365 refresh token is set: set one, or let the operator use the company's default token.");
      }
      return factory({
        graphUrl: company.graphUrl,
        tokenUrl: `${oauthBase(company)}token`,
        clientId: company.clientId,
        clientSecret: company.clientSecret,
        refreshToken: account.refreshToken,
        scopes: MICROSOFT_SCOPES,
        requestsPerMinute: company.requestsPerMinute,
      });
    },
    companyChanged: (company) => factory.setRequestsPerMinute(company.requestsPerMinute),
    webhook: microsoftWebhook,
    // The consent flow (GET /oauth/microsoft/start): the ID token (openid) names the mailbox's user.
    oauth: {
      endpoints: (company) => ({ authorizationUrl: `${oauthBase(company)}authorize`, tokenUrl: `${oauthBase(company)}token` }),
      client: (company) => (company.clientId && company.clientSecret ? { clientId: company.clientId, clientSecret: company.clientSecret } : null),
      scopes: [...MICROSOFT_SCOPES, "openid"],
      // The account picker every time, so the administrator chooses which mailbox is connected.
      authorizationParams: { prompt: "select_account" },
      accountField: "refreshToken",
      companyField: "defaultRefreshToken",
      // The user's object id, as accountId() gives it (stable across renames of the mailbox address).
      identity: ({ idTokenClaims }) => (typeof idTokenClaims?.oid === "string" ? idTokenClaims.oid : null),
      accessSettingsUrl: "https://myapplications.microsoft.com/",
    },
  });
}
