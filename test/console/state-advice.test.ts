// The README's actor state table and the console say the same "what to do":
// both come from api/console/state-advice.ts.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { adviceFor, stateAdvice } from "../../api/console/state-advice.js";

it("the README's state table tells the advice the console shows, state by state", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### Actors: states and what an administrator does"));
  const table = section.slice(section.indexOf("| state"), section.indexOf("\n\n", section.indexOf("| state")));
  const rows = new Map(
    table
      .split("\n")
      .filter((line) => line.startsWith("| `"))
      .map((line) => line.split("|").map((cell) => cell.trim()))
      .map((cells) => [cells[1].replaceAll("`", ""), cells[3]] as const),
  );
  expect(Object.fromEntries(rows)).toEqual(stateAdvice.en);
});

it("the console names the buttons where the README names the API calls", () => {
  expect(adviceFor("en", "error")).toBe("fix the cause; a configuration change restarts the actor by itself, or press Restart");
  expect(adviceFor("en", "paused")).toBe("press Resume; everything made meanwhile is synced");
  expect(adviceFor("pl", "incremental")).toBe("nic");
});
