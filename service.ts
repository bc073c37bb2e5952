// The whole service from a configuration: database (migrated), the sync engine
// and the HTTP API. main.ts runs it from the environment; the demo runs it too.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { createProviders } from "./adapters/providers";
import { createApp } from "./api/app";
import { readOrCreateKeyFile, type Config } from "./config";
import { openDatabase, type Database } from "./db/database";
import { SecretBox } from "./db/secret-box";
import { Supervisor } from "./engine/supervisor";

export interface RunningService {
  url: string;
  adminToken: string;
  database: Database;
  supervisor: Supervisor;
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

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const adminToken = key(logger, config.adminToken, join(dataDir, "admin-token"), "base64url", "ADMIN_TOKEN");
  const secretKey = key(logger, config.secretKey, join(dataDir, "secret-key"), "hex", "SECRET_KEY");
  const secrets = new SecretBox(secretKey);

  const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(dataDir, "pglite") });
  logger.info({ database: database.kind }, "database ready, migrations applied");

  const providers = createProviders({
    google: { apiRootUrl: config.googleApiRootUrl, tokenUrl: config.googleOAuthTokenUrl, requestsPerMinute: 500 },
    logger,
  });
  const supervisor = new Supervisor({
    database,
    adapters: providers,
    secrets,
    logger,
    webhookUrl: config.publicUrl ? new URL("webhooks/google", config.publicUrl.replace(/\/?$/, "/")).toString() : undefined,
    onSettings: (settings) => providers.setGoogleRequestsPerMinute(settings.googleRequestsPerMinute),
  });
  await supervisor.start();

  const app = createApp({ database, secrets, adminToken, logger, engine: supervisor });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host });
  await new Promise<void>((ready) => server.once("listening", ready));
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
  logger.info({ host: address, port, docs: `${url}/docs` }, "listening");

  return {
    url,
    adminToken,
    database,
    supervisor,
    async stop() {
      await new Promise<void>((done) => server.close(() => done()));
      await supervisor.stop();
      await database.close();
    },
  };
}
