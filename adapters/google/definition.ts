// Google Calendar as a provider on the public interface. Company settings hold
// the OAuth client, the company's default refresh token (the seed's "token
// from configuration"), a Workspace service account's key and the pace kept
// per account (R1, R17). An operator signs in with their own refresh token, or
// is named by their Workspace e-mail and reached through the service account.
import { z } from "zod";
import { defineProvider, ProviderSetupError } from "../provider.js";
import { createGoogleAdapterFactory, type GoogleAdapterOptions } from "./index.js";
import { CALENDAR_SCOPE, parseServiceAccountKey } from "./sign-in.js";
import { googleWebhook } from "./webhook.js";

/** Largest page Google serves for events.list. */
const EVENTS_PAGE = 250;
/** Google's authorization endpoint (the consent screen). */
export const GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth";

const secret = z.string().min(1).max(4096);

export const googleAccountSchema = z
  .strictObject({
    refreshToken: secret
      .optional()
      .describe("The operator's own Google refresh token (write-only); GET /oauth/google/start connects it in a browser"),
    workspaceEmail: z
      .email()
      .max(320)
      .optional()
      .describe("The operator's Google Workspace e-mail: taskcal acts as this user through the company's service account (no refresh token)"),
  })
  .refine((account) => !(account.refreshToken && account.workspaceEmail), {
    path: ["workspaceEmail"],
    error: "an operator signs in either with a refresh token or as a Workspace user through the service account, not both: clear the other (null)",
  });

export const googleCompanySchema = z.strictObject({
  clientId: z.string().max(500).default("").describe("OAuth client id"),
  clientSecret: secret.optional().describe("OAuth client secret (write-only)"),
  defaultRefreshToken: secret.optional().describe("The company account's refresh token, for operators with useConfigToken (write-only)"),
  serviceAccountKey: z
    .string()
    .max(20_000)
    .superRefine((json, ctx) => {
      const key = parseServiceAccountKey(json);
      if ("problem" in key) ctx.addIssue({ code: "custom", message: `the service account key ${key.problem}` });
    })
    .optional()
    .describe("A Workspace service account's JSON key, with domain-wide delegation for the calendar scope (write-only)"),
  requestsPerMinute: z.number().int().min(1).max(10_000).default(500).describe("The pace kept per Google account (R17)"),
});

export type GoogleAccountSettings = z.infer<typeof googleAccountSchema>;
export type GoogleCompanySettings = z.infer<typeof googleCompanySchema>;

export type GoogleProviderOptions = Omit<GoogleAdapterOptions, "requestsPerMinute"> & {
  /** The pace until the company settings' is applied (companyChanged). */
  requestsPerMinute?: number;
  /** The consent screen (GOOGLE_OAUTH_AUTH_URL); Google's by default. */
  authUrl?: string;
};

export function googleProvider(options: GoogleProviderOptions) {
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
    company: {
      schema: googleCompanySchema,
      secrets: ["clientSecret", "defaultRefreshToken", "serviceAccountKey"],
      appliedLive: ["requestsPerMinute"],
    },
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
      if (account.workspaceEmail) {
        const key = company.serviceAccountKey ? parseServiceAccountKey(company.serviceAccountKey) : null;
        if (!key || "problem" in key) {
          throw new ProviderSetupError(
            `the operator is named by the Workspace e-mail ${account.workspaceEmail}, but no service account key is set in the Google settings (PATCH /api/providers/google/settings {"serviceAccountKey": …}).`,
          );
        }
        return factory({ serviceAccount: key, subject: account.workspaceEmail }, credential);
      }
      if (!company.clientId || !company.clientSecret)
        throw new ProviderSetupError("The Google client id and client secret are not set in the settings.");
      if (!account.refreshToken) {
        throw new ProviderSetupError(
          "no Google account is connected: connect one (GET /oauth/google/start), set a refresh token, or let the operator use the company's account.",
        );
      }
      return factory({ clientId: company.clientId, clientSecret: company.clientSecret, refreshToken: account.refreshToken }, credential);
    },
    companyChanged: (company) => factory.setRequestsPerMinute(company.requestsPerMinute),
    webhook: googleWebhook,
    oauth: {
      endpoints: () => ({ authorizationUrl: options.authUrl ?? GOOGLE_AUTH_URL, tokenUrl: options.tokenUrl }),
      client: (company) => (company.clientId && company.clientSecret ? { clientId: company.clientId, clientSecret: company.clientSecret } : null),
      // openid email: the ID token names the account, so its identity is known before the first calendar call.
      scopes: [CALENDAR_SCOPE, "openid", "email"],
      // A refresh token every time (offline, consent asked again even for an app already granted).
      authorizationParams: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
      accountField: "refreshToken",
      supersedes: ["workspaceEmail"],
      companyField: "defaultRefreshToken",
      identity: ({ idTokenClaims }) =>
        typeof idTokenClaims?.email === "string" && idTokenClaims.email_verified !== false ? idTokenClaims.email : null,
      accessSettingsUrl: "https://myaccount.google.com/permissions",
      usesConsent: (account) => !account.workspaceEmail,
    },
  });
}
