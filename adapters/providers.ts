// Every provider behind one AdapterFactory: credentials say which one serves them.
import type { Logger } from "pino";
import { createCalDavAdapterFactory, type CalDavAdapterOptions } from "./caldav";
import { createGoogleAdapterFactory, type GoogleAdapterOptions } from "./google";
import { createMemoryAdapterFactory } from "./memory";
import type { AdapterFactory } from "./types";

export interface ProvidersOptions {
  google: Omit<GoogleAdapterOptions, "logger">;
  caldav?: CalDavAdapterOptions;
  logger?: Logger;
}

export interface Providers extends AdapterFactory {
  /** The administrator changed googleRequestsPerMinute (R17). */
  setGoogleRequestsPerMinute(requestsPerMinute: number): void;
}

export function createProviders(options: ProvidersOptions): Providers {
  const google = createGoogleAdapterFactory({ ...options.google, logger: options.logger });
  const caldav = createCalDavAdapterFactory(options.caldav);
  const memory = createMemoryAdapterFactory().factory;
  const factory: AdapterFactory = (credentials) => {
    switch (credentials.provider) {
      case "google":
        return google(credentials);
      case "caldav":
        return caldav(credentials);
      case "memory":
        return memory(credentials);
    }
  };
  return Object.assign(factory, { setGoogleRequestsPerMinute: (n: number) => google.setRequestsPerMinute(n) });
}
