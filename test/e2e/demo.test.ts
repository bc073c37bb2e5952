// `npm run demo` works without Google: its tour runs and exits cleanly.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { backend } from "../../testkit/database.js";

// The demo always embeds PGlite, so one run of the suite covers it.
describe.skipIf(backend !== "pglite")("npm run demo", () => {
  it("connects the company account through the consent screen, shows tasks reaching the (fake) Google calendar and a Google event coming back as a numbered task", async () => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/tsx", ["scripts/demo.ts", "--once"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: 90_000,
    });
    expect(stdout).toContain("consented as demo@example.com; no token was pasted");
    expect(stdout).toMatch(/Oferta handlowa - \(\d+\/\d{4}\)/);
    expect(stdout).toMatch(/became task (\d+\/\d{4}), and Google now shows “Lunch with ACME - \(\1\)”/);
    expect(stdout).toMatch(/: incremental, pushed 4, pulled 1\./);
  }, 120_000);
});
