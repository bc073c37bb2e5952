// npm run provider:test -- ./my-provider.js [./my-harness.js]
// Runs the adapter contract suite (taskcal/provider/contract) against a
// provider module, loaded exactly as TASKCAL_PROVIDERS loads it. The harness
// (how to make a fresh account, and act as the calendar's user) is the
// default export of the second module, or the provider module's
// `contractHarness` export. Paths are relative to where npm was run.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [modulePath, harnessPath] = process.argv.slice(2);
if (!modulePath || modulePath.startsWith("-")) {
  console.error("usage: npm run provider:test -- <provider module> [<harness module>]");
  process.exit(2);
}
const base = process.env.INIT_CWD ?? process.cwd();
const paths = [modulePath, harnessPath].filter((path): path is string => path !== undefined).map((path) => resolve(base, path));
for (const path of paths) {
  if (!existsSync(path)) {
    console.error(`no such file: ${path}`);
    process.exit(2);
  }
}
const child = spawn(process.execPath, [join(root, "node_modules/vitest/vitest.mjs"), "run", "--config", "scripts/provider-contract.config.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, TASKCAL_PROVIDER_TEST_MODULE: paths[0], TASKCAL_PROVIDER_TEST_HARNESS: paths[1] ?? "" },
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
