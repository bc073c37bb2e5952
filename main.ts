// The service: configuration → database (migrated) → HTTP API. The only place
// that reads the environment.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "./api/app";
import { loadConfig, readOrCreateKeyFile } from "./config";
import { openDatabase } from "./db/database";
import { SecretBox } from "./db/secret-box";
import { createLogger } from "./logger";

const config = loadConfig(process.env);
const logger = createLogger(config.logLevel);
const dataDir = resolve(config.dataDir);
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

function key(given: string | undefined, file: string, encoding: "hex" | "base64url", what: string) {
  if (given) return given;
  const path = join(dataDir, file);
  const { value, created } = readOrCreateKeyFile(path, encoding);
  logger.info({ file: path }, created ? `${what} generated into a file` : `${what} read from a file`);
  return value;
}

const adminToken = key(config.adminToken, "admin-token", "base64url", "ADMIN_TOKEN");
const secretKey = key(config.secretKey, "secret-key", "hex", "SECRET_KEY");

const database = await openDatabase(
  config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(dataDir, "pglite") },
);
logger.info({ database: database.kind }, "database ready, migrations applied");

const app = createApp({ database, secrets: new SecretBox(secretKey), adminToken, logger });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  logger.info({ host: info.address, port: info.port }, "listening");
});

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  // Connections that linger (keep-alive clients) must not hold the exit forever.
  const force = setTimeout(() => {
    logger.warn("shutdown took too long, exiting");
    process.exit(1);
  }, 10_000);
  force.unref();
  await new Promise<void>((done) => server.close(() => done()));
  await database.close();
  logger.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
