// Configuration (SPEC §4) from an environment given by main.ts, the one place
// that reads process.env. Keys left unset are generated once into DATA_DIR.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { type CalDavEgressPolicy, normalizeAllowedHost } from "./adapters/caldav/egress.js";
import { DEFAULT_POLL_BATCH_WINDOW_MS } from "./adapters/google/poll-batcher.js";

/** Comma-separated host names (`*.example.com` for any name under example.com), normalized for comparison. */
const hostList = z.string().transform((value, ctx) => {
  const hosts: string[] = [];
  for (const entry of value.split(",").map((part) => part.trim())) {
    if (!entry) continue;
    const host = normalizeAllowedHost(entry);
    if (host) hosts.push(host);
    else
      ctx.addIssue({
        code: "custom",
        message: `${JSON.stringify(entry)} is not a host name (give names like dav.example.com or *.example.com, comma-separated)`,
      });
  }
  return hosts;
});

/** Bearer tokens shorter than this are refused; shorter than RECOMMENDED_TOKEN_LENGTH, warned about at start. */
const MIN_TOKEN_LENGTH = 16;
const RECOMMENDED_TOKEN_LENGTH = 32;

const bearerToken = z
  .string()
  .min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters (${RECOMMENDED_TOKEN_LENGTH} or more recommended)`);

/** Google's default project quota is 10,000 calls a minute: 9,000 leaves room for the consent flow, tests and tools on the same project. */
export const DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE = 9_000;

const ConfigSchema = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    DATA_DIR: z.string().default("./data"),
    PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    HOST: z.string().default("127.0.0.1"),
    ADMIN_TOKEN: bearerToken.optional(),
    READONLY_TOKEN: bearerToken.optional(),
    SECRET_KEY: z.string().min(16, "must be at least 16 characters").optional(),
    SECRET_KEY_PREVIOUS: z.string().min(16, "must be at least 16 characters").optional(),
    TASKCAL_PROVIDERS: z
      .string()
      .transform((list) =>
        list
          .split(",")
          .map((entry) => entry.trim())
          .filter(Boolean),
      )
      .optional(),
    GOOGLE_API_ROOT_URL: z.url().default("https://www.googleapis.com/"),
    GOOGLE_OAUTH_TOKEN_URL: z.url().default("https://oauth2.googleapis.com/token"),
    GOOGLE_OAUTH_AUTH_URL: z.url().default("https://accounts.google.com/o/oauth2/v2/auth"),
    GOOGLE_PROJECT_QUOTA_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(DEFAULT_GOOGLE_PROJECT_QUOTA_PER_MINUTE),
    GOOGLE_POLL_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(10_000).default(DEFAULT_POLL_BATCH_WINDOW_MS),
    PUBLIC_URL: z.url().optional(),
    OAUTH_REDIRECT_BASE_URL: z
      .url()
      .refine((url) => !new URL(url).search && !new URL(url).hash, "must be a plain base address, without ?query or #fragment")
      .optional(),
    CALDAV_ALLOW_HTTP: z.enum(["true", "false"], { error: "must be true or false" }).default("false"),
    CALDAV_ALLOWED_HOSTS: hostList.default([]),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    METRICS_TOKEN: bearerToken.optional(),
    ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    JOURNAL_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    LEASE_TTL_SECONDS: z.coerce.number().int().min(2).max(3600).default(30),
    LEASE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(1800).default(10),
    REPLICA_NAME: z.string().max(200).optional(),
  })
  // Two beats must fit in a lease: one late beat must not cost a replica its bindings.
  .refine((c) => c.LEASE_HEARTBEAT_SECONDS * 2 <= c.LEASE_TTL_SECONDS, {
    path: ["LEASE_HEARTBEAT_SECONDS"],
    error: "must be at most half of LEASE_TTL_SECONDS",
  })
  .refine((c) => c.READONLY_TOKEN === undefined || c.READONLY_TOKEN !== c.ADMIN_TOKEN, {
    path: ["READONLY_TOKEN"],
    error: "must differ from ADMIN_TOKEN",
  })
  // A scraper's configuration is often readable by many: its token must open nothing else.
  .refine((c) => c.METRICS_TOKEN === undefined || (c.METRICS_TOKEN !== c.ADMIN_TOKEN && c.METRICS_TOKEN !== c.READONLY_TOKEN), {
    path: ["METRICS_TOKEN"],
    error: "must differ from ADMIN_TOKEN and READONLY_TOKEN",
  });

export interface Config {
  /** Absent: embedded PGlite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  port: number;
  host: string;
  adminToken?: string;
  /** Bearer token that may only read (GET) under /api; absent: no such access. */
  readonlyToken?: string;
  secretKey?: string;
  /** The key secrets were sealed with before a rotation: still opens them, until re-sealed. */
  secretKeyPrevious?: string;
  /** Provider modules to load beside the built-in ones: paths (relative to the working folder) or package names. */
  providerModules: string[];
  googleApiRootUrl: string;
  googleOAuthTokenUrl: string;
  /** Google's consent screen. */
  googleOAuthAuthUrl: string;
  /** Google calls per minute of all accounts together (the OAuth client's project quota; Google's default is 10,000). */
  googleProjectQuotaPerMinute: number;
  /** How long quiet polls of all Google accounts are gathered into one batch request; 0: each poll is its own request. */
  googlePollBatchWindowMs: number;
  /** Where Google can reach this service; enables push channels (webhooks) instead of polling alone. */
  publicUrl?: string;
  /** Where browsers reach this service, for the consent flow's redirect URI; PUBLIC_URL, else the listening address, when unset. */
  oauthRedirectBaseUrl?: string;
  /** Where CalDAV requests may go: https only unless CALDAV_ALLOW_HTTP, and CALDAV_ALLOWED_HOSTS when set. */
  caldavEgress: CalDavEgressPolicy;
  logLevel: string;
  /** Bearer token GET /metrics asks for; absent: the metrics are open (they hold no secret, names or e-mail addresses). */
  metricsToken?: string;
  /** Where alerts are POSTed (an actor entering or leaving error, a revoked credential); absent: none are sent. */
  alertWebhookUrl?: string;
  /** Journal entries older than this many days are purged daily. */
  journalRetentionDays: number;
  /** How long a replica's lease on a binding lasts unrenewed, and how often it renews them (several replicas). */
  leaseTtlSeconds: number;
  leaseHeartbeatSeconds: number;
  /** This replica's name in GET /api/actors; absent: host name and process id. */
  replicaName?: string;
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
    readonlyToken: c.READONLY_TOKEN,
    secretKey: c.SECRET_KEY,
    secretKeyPrevious: c.SECRET_KEY_PREVIOUS,
    providerModules: c.TASKCAL_PROVIDERS ?? [],
    googleApiRootUrl: c.GOOGLE_API_ROOT_URL,
    googleOAuthTokenUrl: c.GOOGLE_OAUTH_TOKEN_URL,
    googleOAuthAuthUrl: c.GOOGLE_OAUTH_AUTH_URL,
    googleProjectQuotaPerMinute: c.GOOGLE_PROJECT_QUOTA_PER_MINUTE,
    googlePollBatchWindowMs: c.GOOGLE_POLL_BATCH_WINDOW_MS,
    publicUrl: c.PUBLIC_URL,
    oauthRedirectBaseUrl: c.OAUTH_REDIRECT_BASE_URL,
    caldavEgress: { allowHttp: c.CALDAV_ALLOW_HTTP === "true", allowedHosts: c.CALDAV_ALLOWED_HOSTS },
    logLevel: c.LOG_LEVEL,
    metricsToken: c.METRICS_TOKEN,
    alertWebhookUrl: c.ALERT_WEBHOOK_URL,
    journalRetentionDays: c.JOURNAL_RETENTION_DAYS,
    leaseTtlSeconds: c.LEASE_TTL_SECONDS,
    leaseHeartbeatSeconds: c.LEASE_HEARTBEAT_SECONDS,
    replicaName: c.REPLICA_NAME,
  };
}

/** What is allowed but unwise in `config`, for the log at start. */
export function configWarnings(config: Config): string[] {
  const tokens: [string, string | undefined][] = [
    ["ADMIN_TOKEN", config.adminToken],
    ["READONLY_TOKEN", config.readonlyToken],
    ["METRICS_TOKEN", config.metricsToken],
  ];
  return tokens
    .filter(([, token]) => token !== undefined && token.length < RECOMMENDED_TOKEN_LENGTH)
    .map(([name]) => `${name} is shorter than ${RECOMMENDED_TOKEN_LENGTH} characters: use a longer random one (openssl rand -base64 32)`);
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
