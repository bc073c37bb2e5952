// npm run soak [-- --seconds 600] [--provider memory|google] [--seed N --path P]:
// the model-based test of the sync engine for as long as asked (default ten
// minutes per provider), on PGlite or TEST_DATABASE_URL's PostgreSQL. Prints
// runs and failures; a failure comes with its seed and path, to replay it.
import { parseArgs } from "node:util";
import { openTestDatabase } from "../testkit/database.js";
import { runSyncModel } from "../testkit/sync-model/index.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "600" },
    provider: { type: "string", multiple: true },
    seed: { type: "string" },
    path: { type: "string" },
    shrink: { type: "boolean", default: false },
  },
});
const providers = (values.provider ?? ["memory", "google"]) as ("memory" | "google")[];
const database = await openTestDatabase();
let failed = false;
try {
  for (const provider of providers) {
    const started = Date.now();
    const report = await runSyncModel({
      provider,
      database,
      seconds: Number(values.seconds),
      seed: values.seed === undefined ? undefined : Number(values.seed),
      path: values.path,
      shrink: values.shrink,
    });
    const minutes = ((Date.now() - started) / 60_000).toFixed(1);
    console.log(`${provider}: ${report.runs} runs in ${minutes} min, seed ${report.seed}: ${report.failed ? "FAILED" : "no failure"}`);
    if (report.failure) console.log(report.failure);
    failed ||= report.failed;
  }
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
