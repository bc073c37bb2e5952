// The example provider (examples/provider-example), loaded by path as
// TASKCAL_PROVIDERS loads it, passes the one contract suite — imported the way
// an integrator imports it, as `taskcal/provider/contract`.
import { z } from "@hono/zod-openapi";
import pino from "pino";
import { describeAdapterContract } from "taskcal/provider/contract";
import { providerKit } from "../../adapters/kit.js";
import { ProviderRegistry } from "../../adapters/registry.js";
import exampleHarness from "../../examples/provider-example/contract-harness.js";

const registry = new ProviderRegistry();
await registry.load(["./examples/provider-example/index.js"], providerKit(z), process.cwd());
const { definition } = registry.get("example-json")!;

describeAdapterContract("example-json (external module)", () => exampleHarness({ definition, logger: pino({ level: "silent" }) }));
