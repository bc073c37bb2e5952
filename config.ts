// Configuration (SPEC §4) from an environment given by main.ts, the one place
// that reads process.env. Keys left unset are generated once into DATA_DIR.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";

const ConfigSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").optional(),
  DATA_DIR: z.string().default("./data"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().default("127.0.0.1"),
  ADMIN_TOKEN: z.string().min(8, "must be at least 8 characters").optional(),
  SECRET_KEY: z.string().min(16, "must be at least 16 characters").optional(),
  GOOGLE_API_ROOT_URL: z.url().default("https://www.googleapis.com/"),
  GOOGLE_OAUTH_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface Config {
  /** Absent: embedded PGlite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  port: number;
  host: string;
  adminToken?: string;
  secretKey?: string;
  googleApiRootUrl: string;
  googleOAuthTokenUrl: string;
  /** Where Google can reach this service; enables push channels (webhooks) instead of polling alone. */
  publicUrl?: string;
  logLevel: string;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means unset, as in most shells' `VAR=` habits.
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = ConfigSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new Error(`invalid configuration: ${problems}`);
  }
  const c = parsed.data;
  return {
    databaseUrl: c.DATABASE_URL,
    dataDir: c.DATA_DIR,
    port: c.PORT,
    host: c.HOST,
    adminToken: c.ADMIN_TOKEN,
    secretKey: c.SECRET_KEY,
    googleApiRootUrl: c.GOOGLE_API_ROOT_URL,
    googleOAuthTokenUrl: c.GOOGLE_OAUTH_TOKEN_URL,
    publicUrl: c.PUBLIC_URL,
    logLevel: c.LOG_LEVEL,
  };
}

/**
 * The key in `path`, created (mode 0600, exclusively) with 32 random bytes when
 * missing. `created` tells the caller to say where it is.
 */
export function readOrCreateKeyFile(path: string, encoding: "hex" | "base64url"): { value: string; created: boolean } {
  try {
    writeFileSync(path, `${randomBytes(32).toString(encoding)}\n`, { mode: 0o600, flag: "wx" });
    return { value: readFileSync(path, "utf8").trim(), created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const value = readFileSync(path, "utf8").trim();
  if (!value) throw new Error(`${path} is empty`);
  return { value, created: false };
}
