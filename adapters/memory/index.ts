import type { AdapterFactory } from "../types.js";
import { MemoryAdapter } from "./adapter.js";
import { MemoryStore } from "./store.js";

export { MemoryStore } from "./store.js";
export type { AdapterMethod, SeriesOptions } from "./store.js";

export interface MemoryAdapterFactory {
  factory: AdapterFactory;
  /** The shared state: act as the user, inject faults, count writes. */
  store: MemoryStore;
}

/** An in-process calendar provider for tests and the demo. Accounts appear when first used. */
export function createMemoryAdapterFactory(options: { pageSize?: number } = {}): MemoryAdapterFactory {
  const store = new MemoryStore(options);
  const factory: AdapterFactory = (credentials) => {
    if (credentials.provider !== "memory") {
      throw new Error(`the memory adapter factory got ${credentials.provider} credentials`);
    }
    return new MemoryAdapter(store, credentials.account);
  };
  return { factory, store };
}
