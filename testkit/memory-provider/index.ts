// The memory provider: calendars in this process, on the public provider
// interface like any other, for tests, benchmarks and the demo.
import { z } from "zod";
import { defineProvider } from "../../adapters/provider.js";
import type { CalendarAdapter } from "../../adapters/types.js";
import { MemoryAdapter } from "./adapter.js";
import { MemoryStore } from "./store.js";

export { MemoryStore } from "./store.js";

export interface MemoryAdapterFactory {
  /** An adapter for the named account; accounts appear when first used. */
  factory: (account: string) => CalendarAdapter;
  /** The shared state: act as the user, inject faults, count writes. */
  store: MemoryStore;
}

export function createMemoryAdapterFactory(options: { pageSize?: number } = {}): MemoryAdapterFactory {
  const store = new MemoryStore(options);
  return { factory: (account) => new MemoryAdapter(store, account), store };
}

const memoryAccount = z.strictObject({ account: z.string().min(1).max(200).describe("The memory account's name") });
const memoryCompany = z.strictObject({ defaultAccount: z.string().min(1).max(200).optional().describe("The company account (useConfigToken)") });

/**
 * The memory provider as a registered provider over `store`: an operator's
 * account is `{account}`, the company account is the settings'
 * `defaultAccount` (a secret, as a shared account's credential would be).
 */
export function memoryProvider(store: MemoryStore, id = "memory") {
  return defineProvider<z.infer<typeof memoryAccount>, z.infer<typeof memoryCompany>>({
    apiVersion: 1,
    id,
    displayName: "Memory (tests)",
    capabilities: {
      pushChannels: false,
      syncTokens: true,
      recurringExpansion: false,
      maxPageSize: store.pageSize,
      moveEvents: true,
      companyAccount: true,
    },
    account: { schema: memoryAccount, secrets: [] },
    company: { schema: memoryCompany, secrets: ["defaultAccount"] },
    companyAccount: (company) => (company.defaultAccount ? { account: company.defaultAccount } : null),
    createAdapter: ({ account }) => new MemoryAdapter(store, account.account),
  });
}
