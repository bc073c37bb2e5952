// The contract suite against the provider module `npm run provider:test` names
// (scripts/provider-test.ts), loaded through the registry as at start-up.
import { pathToFileURL } from "node:url";
import { z } from "@hono/zod-openapi";
import pino from "pino";
import { describeAdapterContract, type HarnessFactory } from "../adapters/contract/suite.js";
import { providerKit } from "../adapters/kit.js";
import { ProviderRegistry } from "../adapters/registry.js";

const modulePath = process.env.TASKCAL_PROVIDER_TEST_MODULE;
const harnessPath = process.env.TASKCAL_PROVIDER_TEST_HARNESS || undefined;
if (!modulePath) throw new Error("run this through `npm run provider:test -- <provider module> [<harness module>]`");

const registry = new ProviderRegistry();
await registry.load([modulePath], providerKit(z), "/");
const [{ definition }] = registry.list();
const harnessModule = (await import(pathToFileURL(harnessPath ?? modulePath).href)) as { default?: unknown; contractHarness?: unknown };
const harness = (harnessPath ? harnessModule.default : harnessModule.contractHarness) as HarnessFactory | undefined;
if (typeof harness !== "function") {
  throw new Error(
    harnessPath
      ? `${harnessPath} has no default export (a function of {definition, logger} returning the contract harness)`
      : `${modulePath} exports no contractHarness; name a harness module as the second argument`,
  );
}
const logger = pino({ level: "silent" });
describeAdapterContract(`${definition.displayName} (${definition.id})`, () => harness({ definition, logger }));
