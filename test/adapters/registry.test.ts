// Providers as plugins: modules load by path or package name through one
// registry, built-in ones the same way; whatever cannot load stops start-up
// with a message that names the module and the reason.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "@hono/zod-openapi";
import { afterAll, describe, expect, it } from "vitest";
import { providerKit } from "../../adapters/kit.js";
import { ProviderLoadError, type ProviderRegistry } from "../../adapters/registry.js";
import { NotFound } from "../../adapters/types.js";
import { builtInRegistry } from "../../testkit/providers.js";

const folder = mkdtempSync(join(tmpdir(), "taskcal-providers-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** A provider module on disk, as an integrator would ship one. */
function moduleFile(name: string, source: string): string {
  writeFileSync(join(folder, name), source);
  return `./${name}`;
}

const definition = (id: string, extra = "") => `{
  apiVersion: 1, id: ${JSON.stringify(id)}, displayName: "Test ${id}",
  capabilities: { pushChannels: false, syncTokens: true, recurringExpansion: false, maxPageSize: 10, moveEvents: false, companyAccount: false },
  account: { schema: kit.z.strictObject({ name: kit.z.string() }), secrets: [] },
  createAdapter: () => { throw new kit.errors.NotFound("nothing here", 404); },
  ${extra}
}`;

async function load(...specs: string[]): Promise<ProviderRegistry> {
  const registry = builtInRegistry();
  await registry.load(specs, providerKit(z), folder);
  return registry;
}

describe("provider registry", () => {
  it("registers Google, CalDAV and Microsoft 365 the way it registers external modules", () => {
    expect(
      builtInRegistry()
        .list()
        .map((p) => p.definition.id),
    ).toEqual(["google", "caldav", "microsoft"]);
  });

  it("loads a module by path that exports a function of the kit; its errors are taskcal's own classes", async () => {
    const registry = await load(moduleFile("kit-provider.mjs", `export default (kit) => kit.defineProvider(${definition("acme")});`));
    const acme = registry.get("acme")!;
    expect(acme.definition.displayName).toBe("Test acme");
    expect(acme.account.safeParse({ name: "x" }).success).toBe(true);
    expect(acme.account.safeParse({ other: 1 }).success).toBe(false);
    expect(() => acme.definition.createAdapter({ account: {}, company: {}, logger: undefined as never })).toThrow(NotFound);
  });

  it("takes a definition exported as `provider`, with its account schema as JSON Schema", async () => {
    const source = `export const provider = {
      apiVersion: 1, id: "json-schema", displayName: "JSON Schema provider",
      capabilities: { pushChannels: false, syncTokens: false, recurringExpansion: false, maxPageSize: 5, moveEvents: false, companyAccount: false },
      account: { schema: { jsonSchema: { type: "object", properties: { host: { type: "string" } }, required: ["host"], additionalProperties: false } }, secrets: [] },
      createAdapter() { throw new Error("unused"); },
    };`;
    const registry = await load(moduleFile("json-schema.mjs", source));
    const account = registry.get("json-schema")!.account;
    expect(account.safeParse({ host: "dav.example.com" }).success).toBe(true);
    expect(account.safeParse({}).success).toBe(false);
  });

  it("names a package that is not installed, or that is no provider", async () => {
    await expect(load("taskcal-provider-not-installed")).rejects.toThrow(/provider module taskcal-provider-not-installed could not be loaded/);
    await expect(load("zod")).rejects.toThrow(/provider module zod gives no provider definition/);
  });

  it.each([
    ["a file that is not there", "./missing-provider.mjs", /provider module \.\/missing-provider\.mjs could not be loaded: /],
    ["a module that throws as it loads", moduleFile("throws.mjs", `throw new Error("boom at import");`), /could not be loaded: boom at import/],
    [
      "a kit function that throws",
      moduleFile("setup-throws.mjs", `export default () => { throw new Error("no licence"); };`),
      /failed to set up: no licence/,
    ],
    [
      "an interface version this taskcal does not run",
      moduleFile("v2.mjs", `export default (kit) => (${definition("future", "").replace("apiVersion: 1", "apiVersion: 2")});`),
      /implements provider interface version 2; this taskcal runs version 1/,
    ],
    [
      "an id that is not lower case letters, digits and dashes",
      moduleFile("bad-id.mjs", `export default (kit) => (${definition("Bad_Id")});`),
      /the id must be lower case letters, digits and dashes/,
    ],
    [
      "an id a built-in provider has",
      moduleFile("google-again.mjs", `export default (kit) => (${definition("google")});`),
      /a provider with the id "google" is already registered/,
    ],
    [
      "no createAdapter",
      moduleFile("no-factory.mjs", `export default (kit) => ({ ...(${definition("lazy")}), createAdapter: undefined });`),
      /lacks createAdapter, account or capabilities/,
    ],
  ])("refuses %s with a ProviderLoadError naming the module", async (_case, spec, message) => {
    const failure = await load(spec).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ProviderLoadError);
    expect((failure as Error).message).toMatch(message);
    expect((failure as Error).message).toContain(spec);
  });

  it("refuses two modules with one id, naming the second", async () => {
    const first = moduleFile("twin-a.mjs", `export default (kit) => (${definition("twin")});`);
    const second = moduleFile("twin-b.mjs", `export default (kit) => (${definition("twin")});`);
    await expect(load(first, second)).rejects.toThrow(
      /provider module \.\/twin-b\.mjs \("twin"\): a provider with the id "twin" is already registered/,
    );
  });
});
