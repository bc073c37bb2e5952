// GET /oauth/{provider}/start and /oauth/{provider}/callback: connecting the
// company account or an operator's own in a browser, the authorization code
// flow with PKCE. The start needs the admin (bearer token or session cookie);
// its state and PKCE verifier live in the database (single use, ten minutes),
// so any replica finishes the flow, and a cookie ties the state to the browser
// that started it. Neither the state, the verifier, the code nor the tokens are
// ever logged or shown.
import { createHash, randomBytes } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { CodeRefused, pkcePair, redeemCode } from "../../adapters/oauth-code.js";
import { credentialHealthOf } from "../../db/queries/credentials.js";
import { insertOAuthState, type OAuthStateRow, takeOAuthState } from "../../db/queries/oauth-states.js";
import { CredentialHealth } from "../../engine/credential-health.js";
import { companyCredentialId, operatorCredentialId } from "../../engine/credentials.js";
import type { Authenticator } from "../auth.js";
import { baseUrlOf, secureCookies } from "../base-url.js";
import type { AppEnv, TokenKind } from "../deps.js";
import { ApiError } from "../errors.js";
import { accountIdentity, type ConsentProvider, type ConsentTarget, consentProvider, consentTarget, storeConsent } from "../oauth/consent.js";
import { resultPage } from "../oauth/result-page.js";
import { createRouter } from "../router.js";
import { errorResponse, security } from "../schemas/common.js";

const STATE_TTL_MS = 10 * 60_000;
const hash = (value: string) => createHash("sha256").update(value).digest("base64url");
/** One cookie per flow in progress, so two tabs connecting two accounts do not undo each other. */
const browserCookie = (stateHash: string) => `taskcal_oauth_${stateHash.slice(0, 16).replace(/[^A-Za-z0-9]/g, "_")}`;

/** The flow's cookie goes to the flow's own addresses, under the base's path (a reverse proxy may put taskcal under one). */
const flowCookiePath = (c: Context<AppEnv>) => `${new URL(baseUrlOf(c)).pathname.replace(/\/+$/, "")}/oauth/`;

const ProviderParam = z.object({
  provider: z
    .string()
    .max(40)
    .openapi({ param: { name: "provider", in: "path" }, example: "google" }),
});

const StartQuery = z.object({
  target: z
    .enum(["company", "operator"])
    .openapi({ description: "company: the company account (useConfigToken operators); operator: one operator's own" }),
  operatorId: z.uuid().optional().openapi({ description: "With target=operator" }),
});

const CallbackQuery = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});

const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });

export function oauthRoutes(authenticator: Authenticator) {
  return createRouter()
    .openapi(
      createRoute({
        method: "get",
        path: "/{provider}/start",
        tags: ["oauth"],
        summary: "Connect an account in the browser: redirects to the provider's consent screen",
        description:
          "PKCE (S256) and a random, single-use state that expires in 10 minutes; a short-lived HttpOnly cookie ties the state to this browser. Needs the admin: the bearer token, or the session cookie of POST /session (a browser navigation cannot send a header).",
        security,
        request: { params: ProviderParam, query: StartQuery },
        responses: {
          302: { description: "To the consent screen" },
          400: errorResponse(400),
          401: errorResponse(401),
          403: errorResponse(403),
          404: errorResponse(404),
          409: errorResponse(409),
          429: errorResponse(429),
        },
      }),
      async (c) => {
        const kind = await authenticator.requester(c);
        if (kind !== "admin") throw new ApiError("forbidden", "connecting an account needs the admin token (or an admin session)");
        const { provider: id } = c.req.valid("param");
        const query = c.req.valid("query");
        const consent = await consentProvider(c, id);
        const target = await consentTarget(c.var.db, consent, query.target, query.operatorId);
        const state = randomBytes(32).toString("base64url");
        const browser = randomBytes(32).toString("base64url");
        const { verifier, challenge } = pkcePair();
        const stateHash = hash(state);
        const redirectUri = `${baseUrlOf(c)}/oauth/${encodeURIComponent(id)}/callback`;
        await insertOAuthState(c.var.db, {
          stateHash,
          provider: id,
          target: target.kind,
          operatorId: target.kind === "operator" ? target.operator.id : null,
          verifier: c.var.secrets.seal(verifier, `oauth:${stateHash}`),
          browserHash: hash(browser),
          redirectUri,
          tokenKind: kind,
          expiresAt: new Date(Date.now() + STATE_TTL_MS),
        });
        setCookie(c, browserCookie(stateHash), browser, {
          path: flowCookiePath(c),
          httpOnly: true,
          sameSite: "Lax",
          secure: secureCookies(c),
          maxAge: STATE_TTL_MS / 1000,
        });
        // Re-authorizing: the account chooser starts on the account that was connected.
        const credentialId = target.kind === "company" ? companyCredentialId(id) : operatorCredentialId(target.operator.id);
        const known = (await credentialHealthOf(c.var.db, credentialId))?.account;
        const url = new URL(consent.endpoints.authorizationUrl);
        const params = {
          ...consent.flow.authorizationParams,
          client_id: consent.client.clientId,
          redirect_uri: redirectUri,
          response_type: "code",
          scope: consent.flow.scopes.join(" "),
          state,
          code_challenge: challenge,
          code_challenge_method: "S256",
          ...(known?.includes("@") ? { login_hint: known } : {}),
        };
        for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
        c.header("Location", url.toString());
        c.header("Cache-Control", "no-store");
        c.header("Referrer-Policy", "no-referrer");
        return c.body(null, 302);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{provider}/callback",
        tags: ["oauth"],
        summary: "Where the consent screen sends the browser back: stores the refresh token, restarts the actors concerned",
        description:
          "Checks the state (unknown, reused or expired: 400, nothing stored) and the browser's cookie, redeems the code with the PKCE verifier, stores the refresh token encrypted and records the account. Answers a plain page.",
        security: [],
        request: { params: ProviderParam, query: CallbackQuery },
        responses: {
          200: html("Connected: which account, for whom"),
          400: html("Refused consent, or a state that is unknown, used or expired: nothing stored"),
          409: html("The provider's OAuth client is not set (any more)"),
          502: html("The provider refused the code (a wrong client, an expired code) or sent no refresh token"),
        },
      }),
      async (c) => {
        const { provider: id } = c.req.valid("param");
        const query = c.req.valid("query");
        const startAgain = "Start again from taskcal (GET /oauth/…/start); the link of a sign-in works once, for 10 minutes.";
        const row: OAuthStateRow | null = query.state ? await takeOAuthState(c.var.db, hash(query.state)) : null;
        if (!row || row.provider !== id) {
          return resultPage(c, 400, { ok: false, title: "This sign-in is unknown or was already used", lines: ["Nothing was stored.", startAgain] });
        }
        const cookie = browserCookie(row.stateHash);
        const browser = getCookie(c, cookie);
        deleteCookie(c, cookie, { path: flowCookiePath(c), httpOnly: true, sameSite: "Lax", secure: secureCookies(c) });
        if (row.expiresAt.getTime() < Date.now()) {
          return resultPage(c, 400, { ok: false, title: "This sign-in has expired", lines: ["Nothing was stored.", startAgain] });
        }
        if (!browser || hash(browser) !== row.browserHash) {
          return resultPage(c, 400, {
            ok: false,
            title: "This sign-in was started in another browser",
            lines: ["Nothing was stored: finish a sign-in in the browser that started it.", startAgain],
          });
        }
        if (query.error !== undefined) {
          const refused = query.error === "access_denied";
          return resultPage(c, 400, {
            ok: false,
            title: refused ? "Access was not granted" : `The provider answered: ${query.error}`,
            lines: [
              refused ? "The consent screen was cancelled or access was refused. Nothing was stored." : "Nothing was stored.",
              ...(query.error_description ? [`It said: ${query.error_description}`] : []),
              startAgain,
            ],
          });
        }
        if (!query.code) return resultPage(c, 400, { ok: false, title: "The provider sent no code", lines: ["Nothing was stored.", startAgain] });
        c.set("tokenKind", row.tokenKind as TokenKind);
        return finish(c, row, query.code);
      },
    );

  async function finish(c: Context<AppEnv>, row: OAuthStateRow, code: string) {
    let consent: ConsentProvider;
    let target: ConsentTarget;
    let verifier: string;
    try {
      consent = await consentProvider(c, row.provider);
      target = await consentTarget(c.var.db, consent, row.target, row.operatorId ?? undefined);
      verifier = c.var.secrets.open(row.verifier, `oauth:${row.stateHash}`);
    } catch (error) {
      const why = error instanceof ApiError ? error.message : "the sign-in can no longer be read (SECRET_KEY changed)";
      return resultPage(c, 409, { ok: false, title: "The account could not be connected", lines: [`Nothing was stored: ${why}.`] });
    }
    const name = consent.provider.definition.displayName;
    let answer: Awaited<ReturnType<typeof redeemCode>>;
    try {
      answer = await redeemCode({ ...consent.client, tokenUrl: consent.endpoints.tokenUrl, code, redirectUri: row.redirectUri, verifier });
    } catch (error) {
      const refusal = error instanceof CodeRefused ? error : new CodeRefused("failed", "");
      const advice =
        refusal.error === "invalid_client" || refusal.error === "unauthorized_client"
          ? "The OAuth client id or secret in the settings is wrong, or the client is not a Web application client."
          : refusal.error === "redirect_uri_mismatch"
            ? `Register ${row.redirectUri} as an authorized redirect URI of the OAuth client.`
            : "Start again from taskcal.";
      return resultPage(c, 502, {
        ok: false,
        title: `${name} refused the sign-in (${refusal.error})`,
        lines: [`Nothing was stored. ${refusal.description}`.trim(), advice],
      });
    }
    const refreshToken = answer.body.refresh_token;
    if (typeof refreshToken !== "string" || refreshToken === "") {
      return resultPage(c, 502, {
        ok: false,
        title: `${name} sent no refresh token`,
        lines: [
          "Nothing was stored: without a refresh token taskcal could not sign in later.",
          `Remove taskcal's access in the account's security settings${consent.flow.accessSettingsUrl ? ` (${consent.flow.accessSettingsUrl})` : ""}, then start again.`,
        ],
      });
    }
    const account = await accountIdentity(c, consent, target, answer, refreshToken);
    const credential = await storeConsent(c, consent, target, refreshToken);
    await new CredentialHealth(c.var.db)
      .signedIn(credential, account)
      .catch((error) => c.var.logger.warn({ err: error }, "could not record the credential's health"));
    const whose = account ? `the ${name} account ${account}` : `a ${name} account`;
    const who = target.kind === "company" ? "as the company account (operators with useConfigToken)" : `for operator "${target.operator.name}"`;
    return resultPage(c, 200, {
      ok: true,
      title: "Connected",
      lines: [
        `taskcal connected ${whose} ${who}.`,
        "The bindings that use it sign in again now; GET /api/actors shows them reach incremental. You can close this page.",
      ],
    });
  }
}
