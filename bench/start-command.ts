// What `npm start` (and the image, which a container test keeps the same) runs
// the service with: the benches measure these defaults, as users run them.
import { readFileSync } from "node:fs";

/** `npm start`'s command, from package.json. */
function startScript(): string {
  const { scripts } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> };
  return scripts.start;
}

/** The V8 flags `npm start` runs node with. */
export function startFlags(): string[] {
  return startScript().match(/--max-[a-z-]+=\d+/g) ?? [];
}

/** The environment `npm start` sets for node (`NAME=value node …`). */
export function startEnv(): Record<string, string> {
  const assignments = startScript().match(/(?:^|&& )((?:[A-Z_]+=\S+ )+)node /)?.[1] ?? "";
  return Object.fromEntries(assignments.match(/[A-Z_]+=\S+/g)?.map((pair) => pair.split("=", 2) as [string, string]) ?? []);
}
