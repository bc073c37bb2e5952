// The service from the environment: the only place that reads it.
import { type Config, loadConfig } from "./config.js";
import { createLogger } from "./logger.js";
import { startService } from "./service.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
const logger = createLogger(config.logLevel);

try {
  const service = await startService(config, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    // Connections that linger (keep-alive clients) must not hold the exit forever.
    const force = setTimeout(() => {
      logger.warn("shutdown took too long, exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    await service.stop();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
} catch (error) {
  logger.fatal({ err: error }, "could not start");
  process.exit(1);
}
