// A user's refresh token turned into access tokens, with nothing else kept:
// with 10,000 accounts of their own, google-auth-library's OAuth2Client was
// about 1.5 KiB of heap each (heap snapshot, issue 18). It does what that
// client did for us: a new access token five minutes before the old one
// expires, one refresh at a time, and Google's answers and faults in the
// gaxios shape errors.ts reads (a refused token is `invalid_grant`, a 4xx).
import { gaxios } from "google-auth-library";
import type { GoogleAuth } from "./sign-in.js";

/** How long before its expiry an access token is replaced (as OAuth2Client does). */
const EAGER_REFRESH_MS = 5 * 60_000;
/** When Google's answer gives no lifetime: its access tokens last an hour. */
const DEFAULT_LIFETIME_S = 3600;

export class RefreshTokenAuth implements GoogleAuth {
  private accessToken: string | undefined;
  private expiresAt = 0;
  private refreshing: Promise<string> | undefined;

  constructor(
    private readonly credentials: { clientId: string; clientSecret: string; refreshToken: string },
    private readonly tokenUrl: string,
    /** Shared by every account: one HTTP client and its connections. */
    private readonly http: gaxios.Gaxios,
  ) {}

  async getAccessToken(): Promise<{ token: string }> {
    return { token: await this.token() };
  }

  async request<T>(options: gaxios.GaxiosOptions): Promise<gaxios.GaxiosResponse<T>> {
    const token = await this.token();
    return this.http.request<T>({ ...options, headers: gaxios.Gaxios.mergeHeaders(options.headers, { authorization: `Bearer ${token}` }) });
  }

  forgetAccessToken(): void {
    this.accessToken = undefined;
    this.expiresAt = 0;
  }

  private token(): Promise<string> {
    if (this.accessToken && this.expiresAt - Date.now() > EAGER_REFRESH_MS) return Promise.resolve(this.accessToken);
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const { clientId, clientSecret, refreshToken } = this.credentials;
    const { data } = await this.http.request<{ access_token?: string; expires_in?: number }>({
      url: this.tokenUrl,
      method: "POST",
      data: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }),
    });
    if (typeof data?.access_token !== "string") throw new Error("Google's token endpoint gave no access token");
    this.accessToken = data.access_token;
    this.expiresAt = Date.now() + (Number(data.expires_in) || DEFAULT_LIFETIME_S) * 1000;
    return data.access_token;
  }
}
