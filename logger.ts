// The process's pino logger. Secrets never reach a log line (R2): anything
// named like one is censored, at any of the first three levels of an object.
import pino, { type DestinationStream, type Logger } from "pino";

const secretKeys = [
  "authorization",
  "adminToken",
  "secretKey",
  "refreshToken",
  "googleClientSecret",
  "defaultRefreshToken",
  "password",
  "accessToken",
  "access_token",
  "refresh_token",
  "client_secret",
];

export const redactPaths = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: "[redacted]" } }, destination);
}
