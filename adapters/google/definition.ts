// Google Calendar as a provider on the public interface. Company settings hold
// the OAuth client, the company's default refresh token (the seed's "token
// from configuration") and the pace kept per account (R1, R17).
import { z } from "zod";
import { defineProvider, ProviderSetupError } from "../provider.js";
import { createGoogleAdapterFactory, type GoogleAdapterOptions } from "./index.js";

/** Largest page Google serves for events.list. */
const EVENTS_PAGE = 250;

const secret = z.string().min(1).max(4096);

export const googleAccountSchema = z.strictObject({
  refreshToken: secret.optional().describe("The operator's own Google refresh token (write-only)"),
});

export const googleCompanySchema = z.strictObject({
  clientId: z.string().max(500).default("").describe("OAuth client id"),
  clientSecret: secret.optional().describe("OAuth client secret (write-only)"),
  defaultRefreshToken: secret.optional().describe("The company account's refresh token, for operators with useConfigToken (write-only)"),
  requestsPerMinute: z.number().int().min(1).max(10_000).default(500).describe("The pace kept per Google account (R17)"),
});

export type GoogleAccountSettings = z.infer<typeof googleAccountSchema>;
export type GoogleCompanySettings = z.infer<typeof googleCompanySchema>;

/** `requestsPerMinute` is the pace until the company settings' is applied (companyChanged). */
export function googleProvider(options: Omit<GoogleAdapterOptions, "requestsPerMinute"> & { requestsPerMinute?: number }) {
  const factory = createGoogleAdapterFactory({ ...options, requestsPerMinute: options.requestsPerMinute ?? 500 });
  return defineProvider<GoogleAccountSettings, GoogleCompanySettings>({
    apiVersion: 1,
    id: "google",
    displayName: "Google Calendar",
    capabilities: {
      pushChannels: true,
      syncTokens: true,
      recurringExpansion: true,
      maxPageSize: EVENTS_PAGE,
      moveEvents: true,
      companyAccount: true,
    },
    account: { schema: googleAccountSchema, secrets: ["refreshToken"] },
    company: { schema: googleCompanySchema, secrets: ["clientSecret", "defaultRefreshToken"], appliedLive: ["requestsPerMinute"] },
    // SPEC R4 names the operator's token at the top level.
    legacyAliases: { fields: ["refreshToken"] },
    legacySettings: {
      googleClientId: "clientId",
      googleClientSecret: "clientSecret",
      defaultRefreshToken: "defaultRefreshToken",
      googleRequestsPerMinute: "requestsPerMinute",
    },
    companyAccount: (company) => (company.defaultRefreshToken ? { refreshToken: company.defaultRefreshToken } : null),
    createAdapter({ account, company, credential }) {
      if (!company.clientId || !company.clientSecret)
        throw new ProviderSetupError("The Google client id and client secret are not set in the settings.");
      if (!account.refreshToken)
        throw new ProviderSetupError("no Google refresh token is set: set one, or let the operator use the company's default token.");
      return factory({ clientId: company.clientId, clientSecret: company.clientSecret, refreshToken: account.refreshToken }, credential);
    },
    companyChanged: (company) => factory.setRequestsPerMinute(company.requestsPerMinute),
  });
}
