// After `tsc`: files the compiled service reads at run time that tsc does not
// emit (the SQL migrations), copied beside the JavaScript in dist/.
import { cpSync, rmSync } from "node:fs";

const assets = ["db/migrations"];
for (const folder of assets) {
  rmSync(`dist/${folder}`, { recursive: true, force: true });
  cpSync(folder, `dist/${folder}`, { recursive: true });
}
