// How a Google credential gets access tokens: a user's refresh token
// (refresh-token-auth.ts), or a service account's key signing a JWT assertion
// as a Workspace user (domain-wide delegation, no refresh token at all).
import { createPrivateKey } from "node:crypto";
import { type gaxios, JWT } from "google-auth-library";

export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";
/** Where google-auth-library sends JWT assertions, whatever the client's options say. */
const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

/** What a Google account needs of its sign-in: tokens for its own GETs, authorized requests for the client library. */
export interface GoogleAuth {
  getAccessToken(): Promise<{ token?: string | null }>;
  /** googleapis' API client sends every request through its `auth` this way. */
  request<T>(options: gaxios.GaxiosOptions): Promise<gaxios.GaxiosResponse<T>>;
  /** Google refused the access token before its time (401): the next call gets a new one. */
  forgetAccessToken(): void;
}

/** The fields of a service account's JSON key (as the Cloud Console downloads it) that signing needs. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

/** The key a JSON text holds, or what is wrong with it (never quoting the key). */
export function parseServiceAccountKey(json: string): ServiceAccountKey | { problem: string } {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(json);
  } catch {
    return { problem: "is not JSON: give the service account's JSON key file as it was downloaded" };
  }
  if (!key || typeof key !== "object" || key.type !== "service_account")
    return { problem: 'is not a service account key (its "type" is not "service_account")' };
  if (typeof key.client_email !== "string" || !key.client_email.includes("@")) return { problem: "has no client_email" };
  if (typeof key.private_key !== "string") return { problem: "has no private_key" };
  try {
    createPrivateKey(key.private_key);
  } catch {
    return { problem: "has a private_key that is not a readable PEM key" };
  }
  return {
    client_email: key.client_email,
    private_key: key.private_key,
    ...(typeof key.private_key_id === "string" ? { private_key_id: key.private_key_id } : {}),
  };
}

/** A service account acting as `subject`: the library's JWT client (few of them: one per Workspace user it acts as). */
export function serviceAccountAuth(key: ServiceAccountKey, subject: string, tokenUrl: string): GoogleAuth {
  const client = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes: [CALENDAR_SCOPE], subject });
  if (tokenUrl !== GOOGLE_TOKEN_URL) {
    // The library posts assertions to Google's address: send them where GOOGLE_OAUTH_TOKEN_URL says (a proxy, a test server).
    client.transporter.interceptors.request.add({
      resolved: async (request) => {
        if (request.url.href === GOOGLE_TOKEN_URL) request.url = new URL(tokenUrl);
        return request;
      },
    });
  }
  return {
    getAccessToken: () => client.getAccessToken(),
    request: (options) => client.request(options),
    forgetAccessToken: () => client.setCredentials({ refresh_token: client.credentials.refresh_token, expiry_date: 1 }),
  };
}
