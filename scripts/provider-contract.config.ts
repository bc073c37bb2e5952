// The vitest configuration of `npm run provider:test`: the one contract file, no database.
import { defineConfig } from "vitest/config";

export default defineConfig({
  ssr: { resolve: { conditions: ["taskcal-source", "module", "node", "development|production"] } },
  test: { include: ["scripts/provider-contract.spec.ts"], testTimeout: 60_000, hookTimeout: 60_000 },
});
