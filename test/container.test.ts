// The image and the compose file, checked as text (no Docker engine needed):
// a non-root service on a current Node LTS, no default database password,
// and no secrets or data sent into the build context.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startEnv, startFlags } from "../bench/start-command.js";

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
/** Lines without comments and blank ones, continuation lines joined. */
const instructions = (text: string) =>
  text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));

describe("container", () => {
  const dockerfile = instructions(read("Dockerfile"));
  const compose = read("docker-compose.yml");
  const dockerignore = instructions(read(".dockerignore"));

  it("every stage is built on a Node LTS release of 22 or later", () => {
    const bases = dockerfile.filter((line) => /^FROM\s/i.test(line));
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) {
      const major = Number(/^FROM\s+(?:--platform=\S+\s+)?node:(\d+)/i.exec(base)?.[1]);
      expect(major, base).toBeGreaterThanOrEqual(22);
      // Even majors become LTS; odd ones never do.
      expect(major % 2, base).toBe(0);
    }
  });

  it("the final image runs as a user other than root", () => {
    const lastStage = dockerfile.slice(dockerfile.findLastIndex((line) => /^FROM\s/i.test(line)));
    const users = lastStage.filter((line) => /^USER\s/i.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(users.length, "a USER instruction in the final stage").toBeGreaterThan(0);
    // The last USER is the one the service runs as.
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it("docker-compose.yml has no default database password: compose refuses to start without one", () => {
    const uses = compose.match(/\$\{POSTGRES_PASSWORD[^}]*\}/g) ?? [];
    expect(uses.length).toBeGreaterThanOrEqual(2);
    for (const use of uses) expect(use, use).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
    expect(compose).not.toMatch(/^\s*POSTGRES_PASSWORD:\s*(?!\$\{)\S/m);
    expect(compose).not.toMatch(/postgres:\/\/[^:\s]+:(?!\$\{)[^@\s]+@/);
  });

  it("the monitoring profile starts Prometheus scraping taskcal's /metrics with the repository's rules; taskcal's health check asks for readiness", () => {
    const prometheus = compose.slice(compose.indexOf("\n  prometheus:"));
    expect(prometheus).toMatch(/profiles: \["monitoring"\]/);
    expect(prometheus).toContain("./ops/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    expect(prometheus).toContain("./ops/alerts.yml:/etc/prometheus/alerts.yml:ro");
    const scrape = read("ops/prometheus.yml");
    expect(scrape).toMatch(/metrics_path: \/metrics/);
    expect(scrape).toMatch(/targets: \["taskcal:8080"\]/);
    expect(compose).toContain("http://127.0.0.1:8080/health/ready");
    for (const variable of ["METRICS_TOKEN", "ALERT_WEBHOOK_URL", "JOURNAL_RETENTION_DAYS"]) expect(compose).toContain(`${variable}: \${${variable}`);
  });

  it("the image starts node as `npm start` does: the same V8 flags and the same environment for it (the measured defaults)", () => {
    const flags = startFlags();
    expect(flags.length).toBeGreaterThan(0);
    const cmd = JSON.parse(dockerfile.find((line) => /^CMD\s/i.test(line))?.replace(/^CMD\s+/i, "") ?? "[]") as string[];
    expect(cmd.filter((arg) => arg.startsWith("--max-"))).toEqual(flags);
    const env = Object.entries(startEnv()).map(([name, value]) => `${name}=${value}`);
    expect(env).toContain("MALLOC_ARENA_MAX=2");
    const imageEnv = dockerfile.filter((line) => /^ENV\s/i.test(line)).flatMap((line) => line.split(/\s+/).slice(1));
    for (const assignment of env) expect(imageEnv, assignment).toContain(assignment);
  });

  it(".dockerignore keeps .env files and data folders out of the build context", () => {
    const ignored = new Set(dockerignore);
    for (const pattern of [".env", ".env.*", "data", "**/data", "node_modules", ".git"]) expect(ignored, pattern).toContain(pattern);
  });
});
