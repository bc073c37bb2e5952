// `npm run provider:test -- <module> [<harness>]`: the contract suite as a tool
// an integrator runs against their provider; its exit status says pass or fail.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "provider:test", "--", ...args], {
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: `${failure.stdout}${failure.stderr}` };
  }
};

describe("npm run provider:test", () => {
  it("passes the example provider, with its harness as a second module", async () => {
    const { code, output } = await run("./examples/provider-example/index.js", "./examples/provider-example/contract-harness.js");
    expect(output).toMatch(/Tests\s+\d+ passed/);
    expect(output).not.toMatch(/failed/);
    expect(code).toBe(0);
  });

  it("fails a provider that ignores etags on update, naming the rule it broke", async () => {
    const { code, output } = await run("./test/adapters/fixtures/careless-provider.js");
    expect(output).toContain("R12: an update or delete with an etag the user has outdated fails with PreconditionFailed");
    expect(code).not.toBe(0);
  });

  it("says how to call it when no module is named", async () => {
    const { code, output } = await run();
    expect(output).toContain("usage: npm run provider:test -- <provider module> [<harness module>]");
    expect(code).toBe(2);
  });
});
