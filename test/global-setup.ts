// Once per test run: the compiled service that process tests start (`npm run
// build`, quick when nothing changed), and a migrated PGlite cluster, dumped to
// a file that every test process loads instead of running initdb and the
// migrations again (seconds each).
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/database.js";
import { chooseTestDatabase, startTestContainer } from "../testkit/database.js";

export default async function setup() {
  execFileSync("npm", ["run", "--silent", "build"], { stdio: "inherit" });
  const choice = chooseTestDatabase(process.env);
  if (choice.kind === "container") {
    const container = await startTestContainer(choice.image);
    // Test processes start after this setup and inherit the environment.
    process.env.TEST_DATABASE_URL = container.url;
    return () => container.stop();
  }
  if (choice.kind === "server") return;
  const database = await openDatabase({});
  const dump = await database.dump!();
  await database.close();
  const path = join(tmpdir(), `taskcal-pglite-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  process.env.TASKCAL_PGLITE_TEMPLATE = path;
  return () => rmSync(path, { force: true });
}
