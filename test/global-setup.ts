// Once per test run: a migrated PGlite cluster, dumped to a file that every test
// process loads instead of running initdb and the migrations again (seconds each).
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/database";

export default async function setup() {
  if (process.env.TEST_DATABASE_URL) return;
  const database = await openDatabase({});
  const dump = await database.dump!();
  await database.close();
  const path = join(tmpdir(), `taskcal-pglite-template-${process.pid}.tar`);
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  process.env.TASKCAL_PGLITE_TEMPLATE = path;
  return () => rmSync(path, { force: true });
}
