// What a session is made of: a random token in an HttpOnly cookie, kept in the
// database only as its digest, and a CSRF token derived from it with the
// signing key, so any replica can check either without storing more.
import { createHash, randomBytes } from "node:crypto";
import type { SecretBox } from "../db/secret-box.js";

export const SESSION_COOKIE = "taskcal_session";
export const CSRF_HEADER = "X-CSRF-Token";
/** A session lasts this long after signing in, however much it is used. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

export const sessionHash = (token: string) => createHash("sha256").update(token).digest("base64url");

export const newSessionToken = () => randomBytes(32).toString("base64url");

export const csrfTokenOf = (secrets: SecretBox, sessionToken: string) => secrets.sign(`csrf:${sessionHash(sessionToken)}`);

export const csrfMatches = (secrets: SecretBox, sessionToken: string, given: string) =>
  given !== "" && secrets.verify(`csrf:${sessionHash(sessionToken)}`, given);
