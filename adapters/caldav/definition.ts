// CalDAV (RFC 4791) as a provider on the public interface: an operator's
// account is a server address, a user name and a password. The address must
// pass the egress policy (https, the allow-list) before it is ever stored, and
// a saved password belongs to the origin it was given for.
import { z } from "zod";
import { defineProvider, ProviderSetupError } from "../provider.js";
import { type CalDavEgressPolicy, serverUrlProblem, strictEgress } from "./egress.js";
import { type CalDavAdapterOptions, createCalDavAdapterFactory } from "./index.js";

const originOf = (url: string) => (URL.canParse(url) ? new URL(url).origin : url);

export function caldavAccountSchema(egress: CalDavEgressPolicy) {
  return z.strictObject({
    url: z
      .string()
      .max(2000)
      .superRefine((url, ctx) => {
        const problem = serverUrlProblem(url, egress);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .describe("The server's CalDAV address (its DAV root or the principal URL)"),
    username: z.string().trim().min(1).max(200).describe("The account's user name (often the e-mail address)"),
    password: z.string().min(1).max(4096).optional().describe("The (app) password (write-only)"),
  });
}

export type CalDavAccountSettings = z.infer<ReturnType<typeof caldavAccountSchema>>;

export function caldavProvider(options: CalDavAdapterOptions = {}) {
  const egress: CalDavEgressPolicy = {
    allowHttp: options.allowHttp ?? strictEgress.allowHttp,
    allowedHosts: options.allowedHosts ?? strictEgress.allowedHosts,
  };
  const factory = createCalDavAdapterFactory(options);
  return defineProvider<CalDavAccountSettings>({
    apiVersion: 1,
    id: "caldav",
    displayName: "CalDAV",
    capabilities: {
      pushChannels: false,
      syncTokens: true,
      recurringExpansion: true,
      maxPageSize: options.pageSize ?? 250,
      moveEvents: false,
      companyAccount: false,
    },
    // The first release took the account as `caldav: {url, username, password}`.
    legacyAliases: { object: "caldav" },
    account: { schema: caldavAccountSchema(egress), secrets: ["password"], secretsBoundTo: (account) => originOf(account.url) },
    createAdapter({ account }) {
      if (!account.password) throw new ProviderSetupError("the CalDAV account has no password: set the operator's (app) password.");
      return factory({ serverUrl: account.url, username: account.username, password: account.password });
    },
  });
}
