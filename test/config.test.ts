import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configWarnings, loadConfig, readOrCreateKeyFile } from "../config.js";

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
      readonlyToken: undefined,
      secretKey: undefined,
      secretKeyPrevious: undefined,
      googleApiRootUrl: "https://www.googleapis.com/",
      googleOAuthTokenUrl: "https://oauth2.googleapis.com/token",
      googleOAuthAuthUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      googleProjectQuotaPerMinute: 9000,
      googlePollBatchWindowMs: 100,
      publicUrl: undefined,
      oauthRedirectBaseUrl: undefined,
      caldavEgress: { allowHttp: false, allowedHosts: [] },
      logLevel: "info",
      providerModules: [],
      metricsToken: undefined,
      alertWebhookUrl: undefined,
      journalRetentionDays: 90,
      leaseTtlSeconds: 30,
      leaseHeartbeatSeconds: 10,
      replicaName: undefined,
    });
  });

  it("LEASE_TTL_SECONDS and LEASE_HEARTBEAT_SECONDS: two beats fit in a lease; REPLICA_NAME is kept as given", () => {
    const config = loadConfig({ LEASE_TTL_SECONDS: "6", LEASE_HEARTBEAT_SECONDS: "3", REPLICA_NAME: "eu-1" });
    expect([config.leaseTtlSeconds, config.leaseHeartbeatSeconds, config.replicaName]).toEqual([6, 3, "eu-1"]);
    expect(() => loadConfig({ LEASE_TTL_SECONDS: "30", LEASE_HEARTBEAT_SECONDS: "20" })).toThrow(
      /LEASE_HEARTBEAT_SECONDS: must be at most half of LEASE_TTL_SECONDS/,
    );
    expect(() => loadConfig({ LEASE_TTL_SECONDS: "1" })).toThrow(/LEASE_TTL_SECONDS/);
  });

  it("METRICS_TOKEN is a token of its own; ALERT_WEBHOOK_URL an http(s) URL; JOURNAL_RETENTION_DAYS 1 to 3650 days", () => {
    const admin = "a".repeat(32);
    expect(loadConfig({ METRICS_TOKEN: "m".repeat(32), ADMIN_TOKEN: admin }).metricsToken).toBe("m".repeat(32));
    expect(() => loadConfig({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: admin, ADMIN_TOKEN: admin })).toThrow(/METRICS_TOKEN: must differ from ADMIN_TOKEN and READONLY_TOKEN/);
    expect(() => loadConfig({ METRICS_TOKEN: "r".repeat(20), READONLY_TOKEN: "r".repeat(20) })).toThrow(/METRICS_TOKEN: must differ/);
    expect(configWarnings(loadConfig({ METRICS_TOKEN: "m".repeat(20) }))).toEqual([expect.stringContaining("METRICS_TOKEN is shorter than 32")]);

    expect(loadConfig({ ALERT_WEBHOOK_URL: "https://hooks.example.com/taskcal" }).alertWebhookUrl).toBe("https://hooks.example.com/taskcal");
    for (const bad of ["hooks.example.com", "ftp://hooks.example.com/x", "file:///etc/passwd"]) {
      expect(() => loadConfig({ ALERT_WEBHOOK_URL: bad }), bad).toThrow(/ALERT_WEBHOOK_URL: must be an http\(s\) URL/);
    }

    expect(loadConfig({ JOURNAL_RETENTION_DAYS: "30" }).journalRetentionDays).toBe(30);
    for (const bad of ["0", "3651", "1.5", "ninety"])
      expect(() => loadConfig({ JOURNAL_RETENTION_DAYS: bad }), bad).toThrow(/JOURNAL_RETENTION_DAYS/);
  });

  it("CALDAV_ALLOW_HTTP is true or false; CALDAV_ALLOWED_HOSTS a comma-separated list of host names, normalized", () => {
    expect(loadConfig({ CALDAV_ALLOW_HTTP: "true" }).caldavEgress.allowHttp).toBe(true);
    expect(loadConfig({ CALDAV_ALLOW_HTTP: "false" }).caldavEgress.allowHttp).toBe(false);
    expect(() => loadConfig({ CALDAV_ALLOW_HTTP: "yes" })).toThrow(/CALDAV_ALLOW_HTTP: must be true or false/);
    expect(
      loadConfig({ CALDAV_ALLOWED_HOSTS: " Dav.Example.com, *.fastmail.com,,caldav.icloud.com. , bücher.de" }).caldavEgress.allowedHosts,
    ).toEqual(["dav.example.com", "*.fastmail.com", "caldav.icloud.com", "xn--bcher-kva.de"]);
    for (const bad of ["https://dav.example.com", "dav.example.com:8443", "dav.example.com/dav", "a@b.com", "*", "*.", "dav.*.com"]) {
      expect(() => loadConfig({ CALDAV_ALLOWED_HOSTS: `ok.example.com,${bad}` }), bad).toThrow(/CALDAV_ALLOWED_HOSTS: .*is not a host name/);
    }
  });

  it("refuses bad values, naming the variable", () => {
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ ADMIN_TOKEN: "short" })).toThrow(/ADMIN_TOKEN/);
    expect(() => loadConfig({ GOOGLE_OAUTH_AUTH_URL: "accounts.google.com" })).toThrow(/GOOGLE_OAUTH_AUTH_URL/);
    expect(loadConfig({ GOOGLE_PROJECT_QUOTA_PER_MINUTE: "20000" }).googleProjectQuotaPerMinute).toBe(20_000);
    expect(() => loadConfig({ GOOGLE_PROJECT_QUOTA_PER_MINUTE: "0" })).toThrow(/GOOGLE_PROJECT_QUOTA_PER_MINUTE/);
    expect(() => loadConfig({ OAUTH_REDIRECT_BASE_URL: "https://taskcal.example.com/?x=1" })).toThrow(
      /OAUTH_REDIRECT_BASE_URL: must be a plain base/,
    );
    expect(loadConfig({ OAUTH_REDIRECT_BASE_URL: "https://taskcal.example.com/sync" }).oauthRedirectBaseUrl).toBe("https://taskcal.example.com/sync");
  });

  it("bearer tokens under 16 characters are refused, under 32 warned about; the read-only token differs from the admin token", () => {
    expect(() => loadConfig({ ADMIN_TOKEN: "x".repeat(15) })).toThrow(/^invalid configuration: ADMIN_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ READONLY_TOKEN: "r".repeat(15) })).toThrow(/READONLY_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ ADMIN_TOKEN: "t".repeat(40), READONLY_TOKEN: "t".repeat(40) })).toThrow(/READONLY_TOKEN: must differ from ADMIN_TOKEN/);
    const weak = loadConfig({ ADMIN_TOKEN: "a".repeat(16), READONLY_TOKEN: "r".repeat(31) });
    expect(configWarnings(weak)).toEqual([
      expect.stringMatching(/^ADMIN_TOKEN is shorter than 32 characters/),
      expect.stringMatching(/^READONLY_TOKEN is shorter than 32 characters/),
    ]);
    expect(configWarnings(loadConfig({ ADMIN_TOKEN: "a".repeat(32) }))).toEqual([]);
    expect(configWarnings(loadConfig({}))).toEqual([]);
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
