// The whole service from a configuration: database (migrated), the sync engine
// and the HTTP API. main.ts runs it from the environment; the demo runs it too.
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { z } from "@hono/zod-openapi";
import type { Logger } from "pino";
import { registerBuiltInProviders } from "./adapters/built-in.js";
import { providerKit } from "./adapters/kit.js";
import type { PacingObserver } from "./adapters/pacing-observer.js";
import type { ProviderDefinition } from "./adapters/provider.js";
import { ProviderRegistry } from "./adapters/registry.js";
import { createApp } from "./api/app.js";
import { type Config, configWarnings, readOrCreateKeyFile } from "./config.js";
import { type Database, openDatabase } from "./db/database.js";
import { bindingGauges } from "./db/queries/lag.js";
import { checkSecretKey, type KeyState, resealSecrets } from "./db/queries/secrets.js";
import { SecretBox } from "./db/secret-box.js";
import type { EngineControl } from "./engine/engine-control.js";
import type { EngineObserver } from "./engine/engine-observer.js";
import { RetentionJob } from "./engine/retention.js";
import { sharedBudgets } from "./engine/shared-budget.js";
import { Supervisor } from "./engine/supervisor.js";
import { heapDuringStarts } from "./heap-during-starts.js";
import { AlertWebhook } from "./observability/alerts.js";
import { ServiceMetrics } from "./observability/metrics.js";

export interface RunningService {
  url: string;
  adminToken: string;
  database: Database;
  supervisor: Supervisor;
  providers: ProviderRegistry;
  /** Whether SECRET_KEY opens the stored secrets ("wrong": the service runs, but credentials must be entered again). */
  secretKey: KeyState;
  metrics: ServiceMetrics;
  /** Stops taking requests, lets passes in flight finish, closes the database. */
  stop(): Promise<void>;
}

/** A key given in the environment, or the one kept in DATA_DIR (generated the first time). */
function key(logger: Logger, given: string | undefined, path: string, encoding: "hex" | "base64url", what: string) {
  if (given) return given;
  const { value, created } = readOrCreateKeyFile(path, encoding);
  logger.info({ file: path }, created ? `${what} generated into a file` : `${what} read from a file`);
  return value;
}

/** The listening address as a browser on this host reaches it: a wildcard address is no place to send a browser. */
function browserUrl(listening: string): string {
  return listening.replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, "http://127.0.0.1");
}

export interface ServiceOptions {
  /** Providers registered beside the built-in ones and TASKCAL_PROVIDERS' modules (an embedding program's own). */
  providers?: ProviderDefinition[];
}

/** Built-in providers first, registered as an external one is; then the installation's own. */
async function providerRegistry(
  config: Config,
  logger: Logger,
  extra: ProviderDefinition[],
  pacing: PacingObserver,
  database: Database,
): Promise<ProviderRegistry> {
  const registry = new ProviderRegistry();
  // On PostgreSQL, replicas may share an account: its pace holds for all of them together (PGlite is one process).
  const budgetFor = database.kind === "postgres" ? sharedBudgets(database.db, logger) : undefined;
  registerBuiltInProviders(registry, {
    google: {
      apiRootUrl: config.googleApiRootUrl,
      tokenUrl: config.googleOAuthTokenUrl,
      authUrl: config.googleOAuthAuthUrl,
      projectRequestsPerMinute: config.googleProjectQuotaPerMinute,
      pollBatchWindowMs: config.googlePollBatchWindowMs,
      logger,
      pacing,
      budgetFor,
    },
    caldav: config.caldavEgress,
    microsoft: { logger },
  });
  for (const definition of extra) registry.register(definition, "a provider given to startService");
  await registry.load(config.providerModules, providerKit(z), process.cwd());
  for (const { definition } of registry.list()) logger.info({ provider: definition.id }, `provider ${definition.displayName} registered`);
  return registry;
}

/**
 * SECRET_KEY against what the database holds: older ciphertexts and those of
 * SECRET_KEY_PREVIOUS are sealed again; a wrong key is said in one line, and
 * the service runs on so that credentials can be entered again.
 */
async function settleSecrets(database: Database, secrets: SecretBox, logger: Logger): Promise<KeyState> {
  const state = await checkSecretKey(database, secrets);
  if (state === "wrong") {
    logger.error(
      "SECRET_KEY does not open the secrets stored in this database (a different or lost key): actors needing them wait in error (secrets_unreadable); start with the right SECRET_KEY, or enter the credentials again",
    );
    return state;
  }
  const resealed = await resealSecrets(database, secrets);
  if (resealed > 0) logger.info({ resealed }, "stored secrets sealed again under SECRET_KEY");
  return state;
}

export async function startService(config: Config, logger: Logger, options: ServiceOptions = {}): Promise<RunningService> {
  for (const warning of configWarnings(config)) logger.warn(warning);
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = key(logger, config.adminToken, join(dataDir, "admin-token"), "base64url", "ADMIN_TOKEN");
  const secretKey = key(logger, config.secretKey, join(dataDir, "secret-key"), "hex", "SECRET_KEY");
  const secrets = new SecretBox(secretKey, config.secretKeyPrevious);

  const metrics = new ServiceMetrics();
  const where = config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(dataDir, "pglite") };
  const database = await openDatabase({ ...where, onQuery: metrics.query });
  logger.info({ database: database.kind }, "database ready, migrations applied");
  const secretKeyState = await settleSecrets(database, secrets, logger);

  const providers = await providerRegistry(config, logger, options.providers ?? [], metrics.pacing, database);
  const alerts = config.alertWebhookUrl
    ? new AlertWebhook({ url: config.alertWebhookUrl, db: database.db, logger, onDelivery: (outcome) => metrics.alertDelivery(outcome) })
    : null;
  const supervisor = new Supervisor({
    database,
    providers,
    secrets,
    logger,
    webhookBaseUrl: config.publicUrl?.replace(/\/?$/, "/"),
    replicaName: config.replicaName,
    leaseTtlSeconds: config.leaseTtlSeconds,
    leaseHeartbeatSeconds: config.leaseHeartbeatSeconds,
    observer: alerts ? alongside(metrics.engine, alerts) : metrics.engine,
    startsCrowded: heapDuringStarts(logger),
  });
  metrics.watch({
    bindings: () => bindingGauges(database.db, supervisor.runningBindingIds()),
    providers: () => providers.list().map(({ definition }) => definition.id),
  });

  let url = "";
  // The API listens while the actors start (liveness answers, readiness says 503 until they have); calls for the engine wait for it.
  let startEngine!: () => void;
  const started = new Promise<void>((resolve) => (startEngine = resolve));
  const app = createApp({
    database,
    secrets,
    adminToken,
    readonlyToken: config.readonlyToken,
    logger,
    engine: engineOnceStarted(supervisor, started, metrics),
    providers,
    baseUrl: () => config.oauthRedirectBaseUrl ?? config.publicUrl ?? browserUrl(url),
    readiness: { engineStarted: () => supervisor.started, degraded: () => (secretKeyState === "wrong" ? [SECRETS_UNREADABLE] : []) },
    metrics,
    metricsToken: config.metricsToken,
  });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((ready) => server.once("listening", ready));
  const { address, port } = server.address() as AddressInfo;
  url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  logger.info({ host: address, port, docs: `${url}/docs` }, "listening");

  try {
    await supervisor.start();
  } catch (error) {
    await new Promise<void>((done) => server.close(() => done()));
    await database.close();
    throw error;
  }
  startEngine();
  const retention = new RetentionJob({
    db: database.db,
    logger,
    journalDays: config.journalRetentionDays,
    onDone: (purged, at) => metrics.retentionDone({ ...purged }, at),
  });
  retention.start();

  return {
    url,
    adminToken,
    database,
    supervisor,
    providers,
    metrics,
    secretKey: secretKeyState,
    async stop() {
      await new Promise<void>((done) => server.close(() => done()));
      await retention.stop();
      await supervisor.stop();
      await alerts?.stop();
      await database.close();
    },
  };
}

const SECRETS_UNREADABLE = {
  code: "secrets_unreadable",
  message:
    "SECRET_KEY does not open the secrets stored in this database: actors needing them wait in error; start with the right SECRET_KEY, or enter the credentials again",
};

/** Metrics and alerts both hear of actor changes; everything else is for the metrics alone. */
function alongside(metrics: EngineObserver, alerts: AlertWebhook): EngineObserver {
  return {
    ...metrics,
    actorChanged(change) {
      metrics.actorChanged(change);
      alerts.actorChanged(change);
    },
  };
}

/** The engine as the API reaches it: a command or a push notice that comes while actors start waits for them (no false 404). */
function engineOnceStarted(supervisor: Supervisor, started: Promise<void>, metrics: ServiceMetrics): EngineControl {
  return {
    async command(bindingId, command) {
      await started;
      return supervisor.command(bindingId, command);
    },
    async pushNotice(notice) {
      await started;
      const accepted = await supervisor.pushNotice(notice);
      metrics.pushNotice(accepted);
      return accepted;
    },
  };
}
