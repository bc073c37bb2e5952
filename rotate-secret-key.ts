// npm run rotate-secret-key: every stored secret sealed again under a new
// key, in one transaction (all or nothing), from the same environment as the
// service.
//   SECRET_KEY=<new> SECRET_KEY_PREVIOUS=<old>: the new key is given.
//   Neither set: the key in DATA_DIR/secret-key is replaced by a new random
//   one (written beside it first, moved into place only after the commit).
// Refuses, writing nothing, when neither key opens what the database holds.
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadConfig } from "./config.js";
import { openDatabase } from "./db/database.js";
import { checkSecretKey, resealSecrets } from "./db/queries/secrets.js";
import { SecretBox } from "./db/secret-box.js";

function fail(message: string): never {
  console.error(`rotate-secret-key: ${message}`);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  fail((error as Error).message);
}
if (config.secretKeyPrevious && !config.secretKey) fail("SECRET_KEY_PREVIOUS is set without SECRET_KEY: give the new key as SECRET_KEY");

const dataDir = resolve(config.dataDir);
const keyFile = join(dataDir, "secret-key");
let next: string;
let previous: string | undefined;
let pendingFile: string | null = null;
if (config.secretKey) {
  next = config.secretKey;
  previous = config.secretKeyPrevious;
} else {
  try {
    previous = readFileSync(keyFile, "utf8").trim();
  } catch {
    fail(`SECRET_KEY is not set and ${keyFile} cannot be read: give SECRET_KEY (new) and SECRET_KEY_PREVIOUS (current)`);
  }
  next = randomBytes(32).toString("hex");
  pendingFile = `${keyFile}.new`;
  writeFileSync(pendingFile, `${next}\n`, { mode: 0o600 });
}

const database = await openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { dataDir: join(dataDir, "pglite") });
let outcome: string | Error;
try {
  const box = new SecretBox(next, previous);
  if ((await checkSecretKey(database, box)) === "wrong") {
    throw new Error("neither SECRET_KEY nor SECRET_KEY_PREVIOUS opens the secrets this database holds");
  }
  const resealed = await resealSecrets(database, box);
  if (pendingFile) renameSync(pendingFile, keyFile);
  outcome = `${resealed} secret(s) sealed again under the new key${pendingFile ? `, now in ${keyFile}` : ""}`;
} catch (error) {
  outcome = error as Error;
} finally {
  if (pendingFile) rmSync(pendingFile, { force: true });
  await database.close();
}
if (outcome instanceof Error) fail(`nothing was changed: ${outcome.message}`);
console.log(`rotate-secret-key: ${outcome}`);
