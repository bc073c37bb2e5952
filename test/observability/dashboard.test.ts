// ops/grafana-dashboard.json and ops/alerts.yml: every PromQL expression
// parses (Prometheus' own grammar, @prometheus-io/lezer-promql), and every
// metric it names, with every label it matches on, is one GET /metrics
// exports. promtool checks the rules and the Prometheus configuration.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { ServiceMetrics } from "../../observability/metrics.js";
import { parseExposition } from "../../testkit/prometheus-text.js";

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

function dashboardExpressions(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(read("ops/grafana-dashboard.json")) as { panels: Panel[] };
  const all: { where: string; expr: string }[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) all.push({ where: `dashboard panel "${panel.title}"`, expr: target.expr });
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return all;
}

/** The rules' expressions: one line each in ops/alerts.yml. */
function ruleExpressions(): { where: string; expr: string }[] {
  const text = read("ops/alerts.yml");
  const alerts = [...text.matchAll(/^\s*- alert:\s*(\S+)\s*$/gm)].map((m) => m[1]);
  const exprs = [...text.matchAll(/^\s*expr:\s*(.+?)\s*$/gm)].map((m) => m[1]);
  expect(exprs).toHaveLength(alerts.length);
  return exprs.map((expr, i) => ({ where: `rule ${alerts[i]}`, expr }));
}

/** Each series selector of `expr`: its metric name and the labels it matches on; syntax errors as such. */
function selectors(expr: string): { errors: string[]; found: { metric: string; labels: string[] }[] } {
  const errors: string[] = [];
  const found: { metric: string; labels: string[] }[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) errors.push(`syntax error at ${cursor.from}: ${expr.slice(cursor.from, cursor.from + 20)}`);
    if (cursor.name !== "VectorSelector") continue;
    const node = cursor.node;
    const name = node.getChild("Identifier");
    const matchers = node.getChild("LabelMatchers");
    const labels = matchers ? matchers.getChildren("UnquotedLabelMatcher").map((m) => expr.slice(m.firstChild!.from, m.firstChild!.to)) : [];
    found.push({ metric: name ? expr.slice(name.from, name.to) : "", labels });
  } while (cursor.next());
  return { errors, found };
}

/** What the endpoint exports: each series name a selector may use, with its labels (and the target labels Prometheus adds). */
async function exported(): Promise<Map<string, Set<string>>> {
  const metrics = new ServiceMetrics();
  const { types } = parseExposition(await metrics.text());
  const labelsOf = new Map(metrics.registry.getMetricsAsArray().map((m) => [m.name, (m as unknown as { labelNames: string[] }).labelNames]));
  const series = new Map<string, Set<string>>();
  const target = ["instance", "job"];
  for (const [name, type] of types) {
    const labels = [...(labelsOf.get(name) ?? []), ...target];
    if (type === "histogram") {
      series.set(`${name}_bucket`, new Set([...labels, "le"]));
      for (const suffix of ["_sum", "_count"]) series.set(`${name}${suffix}`, new Set(labels));
    } else series.set(name, new Set(labels));
  }
  // Prometheus' own series for each scrape target.
  series.set("up", new Set(target));
  return series;
}

describe("ops/: dashboard and alerting rules", () => {
  it("every expression parses and names only exported metrics and their labels", async () => {
    const series = await exported();
    expect(series.has("taskcal_actors")).toBe(true);
    const expressions = [...dashboardExpressions(), ...ruleExpressions()];
    expect(expressions.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const { where, expr } of expressions) {
      const { errors, found } = selectors(expr);
      problems.push(...errors.map((error) => `${where}: ${error}`));
      if (found.length === 0) problems.push(`${where}: names no metric: ${expr}`);
      for (const { metric, labels } of found) {
        const known = series.get(metric);
        if (!known) problems.push(`${where}: ${metric || "a selector without a name"} is not exported`);
        else for (const label of labels) if (!known.has(label)) problems.push(`${where}: ${metric} has no label ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the test would see a wrong name, a wrong label or broken syntax", () => {
    expect(selectors('rate(taskcal_sync_passes_total{mode="full"}[5m])').found).toEqual([{ metric: "taskcal_sync_passes_total", labels: ["mode"] }]);
    expect(selectors("sum(rate(taskcal_sync_passes[5m])").errors).not.toEqual([]);
  });

  const promtool = (() => {
    try {
      execFileSync("promtool", ["--version"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!promtool)(
    `promtool accepts ops/alerts.yml and ops/prometheus.yml${promtool ? "" : " — SKIPPED: promtool is not installed (apt-get install prometheus; .ci/run installs it)"}`,
    () => {
      const ops = new URL("../../ops/", import.meta.url).pathname;
      expect(execFileSync("promtool", ["check", "rules", `${ops}alerts.yml`], { encoding: "utf8" })).toContain("SUCCESS: 6 rules found");
      expect(execFileSync("promtool", ["check", "config", `${ops}prometheus.yml`], { encoding: "utf8" })).toContain("SUCCESS");
    },
  );
});
