import { defineConfig } from "vitest/config";

export default defineConfig({
  // `taskcal/provider` (package.json exports) resolves to the TypeScript source in tests, as in tsc;
  // the rest are Vite's default server conditions.
  ssr: { resolve: { conditions: ["taskcal-source", "module", "node", "development|production"] } },
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    // Waits for the engine are bounded by what a user would tolerate, not by a busy machine's scheduling.
    expect: { poll: { timeout: 15_000 } },
    hookTimeout: 60_000,
    // Two cores: keep parallel forks modest so end-to-end timings stay sane.
    pool: "forks",
    maxWorkers: 2,
  },
});
