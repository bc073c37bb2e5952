import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, readOrCreateKeyFile } from "../config";

describe("configuration (§4)", () => {
  const dir = mkdtempSync(join(tmpdir(), "taskcal-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults as SPEC §4 lists them; an empty variable counts as unset", () => {
    expect(loadConfig({ PORT: "", ADMIN_TOKEN: "" })).toEqual({
      databaseUrl: undefined,
      dataDir: "./data",
      port: 8080,
      host: "127.0.0.1",
      adminToken: undefined,
      secretKey: undefined,
      googleApiRootUrl: "https://www.googleapis.com/",
      googleOAuthTokenUrl: "https://oauth2.googleapis.com/token",
      publicUrl: undefined,
      logLevel: "info",
    });
  });

  it("refuses bad values, naming the variable", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ ADMIN_TOKEN: "short" })).toThrow(/ADMIN_TOKEN/);
  });

  it("a key file is generated once with mode 0600, then reused", () => {
    const path = join(dir, "admin-token");
    const first = readOrCreateKeyFile(path, "base64url");
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readOrCreateKeyFile(path, "base64url")).toEqual({ value: first.value, created: false });
    expect(readOrCreateKeyFile(join(dir, "secret-key"), "hex").value).toMatch(/^[0-9a-f]{64}$/);
  });
});
