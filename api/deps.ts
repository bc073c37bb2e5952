// What the API needs from the process, handed to createApp and reached by
// handlers through Hono's context variables.
import type { Logger } from "pino";
import type { Database, Db } from "../db/database";
import type { SecretBox } from "../db/secret-box";
import type { EngineControl } from "../engine/supervisor";

export interface ApiDeps {
  database: Database;
  secrets: SecretBox;
  /** Bearer token for /api/*. */
  adminToken: string;
  logger: Logger;
  /** The running sync engine; absent when this process serves the API alone. */
  engine?: EngineControl;
}

export interface AppEnv {
  Variables: {
    db: Db;
    secrets: SecretBox;
    logger: Logger;
    engine?: EngineControl;
  };
}
