// What the API needs from the process, handed to createApp and reached by
// handlers through Hono's context variables.
import type { Logger } from "pino";
import type { ProviderRegistry } from "../adapters/registry.js";
import type { Database, Db } from "../db/database.js";
import type { SecretBox } from "../db/secret-box.js";
import type { EngineControl } from "../engine/engine-control.js";
import type { Readiness } from "./routes/health.js";
import type { MetricsSource } from "./routes/metrics.js";
import type { SignInThrottle } from "./sign-in-throttle.js";

/** Which token a request came with (as a bearer token, or the one its session signed in with). */
export type TokenKind = "admin" | "readonly";

export interface ApiDeps {
  database: Database;
  secrets: SecretBox;
  /** Bearer token for /api/*. */
  adminToken: string;
  /** Bearer token for GETs under /api only; absent: no read-only access. */
  readonlyToken?: string;
  /** Counts failed sign-ins per address; default 10 a minute. Tests give one with their own clock. */
  signInThrottle?: SignInThrottle;
  logger: Logger;
  /** The running sync engine; absent when this process serves the API alone. */
  engine?: EngineControl;
  /** The calendar providers operators may use; their schemas shape the operator and settings routes. */
  providers: ProviderRegistry;
  /**
   * Where browsers reach this service (OAUTH_REDIRECT_BASE_URL, else PUBLIC_URL, else the listening
   * address): consent redirects and links are built on it. Absent: the request's own origin.
   */
  baseUrl?: () => string;
  /** What GET /health/ready asks beyond the database; absent: the database and migrations alone. */
  readiness?: Readiness;
  /** The process's metrics (GET /metrics); absent: no such route. */
  metrics?: MetricsSource;
  /** Bearer token GET /metrics asks for; absent: open. */
  metricsToken?: string;
}

export interface AppEnv {
  Variables: {
    db: Db;
    secrets: SecretBox;
    logger: Logger;
    engine?: EngineControl;
    providers: ProviderRegistry;
    baseUrl?: () => string;
    /** Set under /api by the bearer check. */
    tokenKind: TokenKind;
  };
}
