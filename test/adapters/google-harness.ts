import { randomUUID } from "node:crypto";
import type { GoogleAccountCredentials } from "../../adapters/google/index.js";
import { createGoogleAdapterFactory, type GoogleAdapterOptions } from "../../adapters/google/index.js";
import type { CalendarAdapter, EventData, EventTime } from "../../adapters/types.js";
import type { FakeGoogle, GoogleEvent, GoogleEventTime } from "../../testkit/fake-google/server.js";

/** EventData as a user would type it into Google: the fake's resource shape. */
export function googleResource(data: Partial<EventData>): Partial<GoogleEvent> {
  const time = (t: EventTime | undefined): GoogleEventTime | undefined => (t ? { ...t } : undefined);
  return {
    ...(data.summary !== undefined ? { summary: data.summary } : {}),
    ...(data.description !== undefined ? { description: data.description } : {}),
    ...(data.location !== undefined ? { location: data.location } : {}),
    ...(data.start ? { start: time(data.start) } : {}),
    ...(data.end ? { end: time(data.end) } : {}),
    ...(data.privateProperties ? { extendedProperties: { private: data.privateProperties } } : {}),
  };
}

/** A user's refresh token with the OAuth client. */
type RefreshTokenCredentials = Extract<GoogleAccountCredentials, { refreshToken: string }>;

export interface GoogleTestAccount {
  email: string;
  credentials: RefreshTokenCredentials;
  adapter: CalendarAdapter;
}

/** A fresh account on the fake and an adapter for it, from a factory of its own unless one is given. */
export function googleAccount(
  google: FakeGoogle,
  options: Partial<GoogleAdapterOptions> = {},
  factory = createGoogleAdapterFactory({
    apiRootUrl: google.rootUrl,
    tokenUrl: google.tokenUrl,
    requestsPerMinute: 600_000,
    retry: { baseDelayMs: 10 },
    ...options,
  }),
): GoogleTestAccount {
  const email = `${randomUUID().slice(0, 8)}@example.com`;
  const credentials: RefreshTokenCredentials = {
    clientId: google.clientId,
    clientSecret: google.clientSecret,
    refreshToken: google.addAccount(email),
  };
  return { email, credentials, adapter: factory(credentials) };
}
