// `npm run bench [-- --quick] [--only p1,p5] [--runs N] [--set p1.bindings=200]`
// Runs the scenarios against the real service code, the fake Google server and
// a real database (DATABASE_URL, else PGlite), writes bench/results/<date>.json
// and prints a Markdown table. Numbers are reported, never enforced: the exit
// code says only whether every scenario ran.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, freemem, type as osType, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { p1CrmLatency } from "./p1-crm-latency.js";
import { p2CalendarLatency } from "./p2-calendar-latency.js";
import { p3Quota } from "./p3-quota.js";
import { p4Scale } from "./p4-scale.js";
import { p5Cost } from "./p5-cost.js";
import { p6Peer } from "./p6-peer.js";
import { p7Metrics } from "./p7-metrics.js";
import { scaleOut } from "./scale-out.js";
import { meets, type Scenario, type ScenarioResult } from "./scenario.js";
import { closeDatabases, databaseKind, median, progress, round } from "./world.js";

const SCENARIOS: Scenario<any>[] = [p5Cost, p1CrmLatency, p3Quota, p2CalendarLatency, p4Scale, p6Peer, p7Metrics, scaleOut];

interface Args {
  quick: boolean;
  only: string[] | null;
  runs: number | null;
  set: Record<string, Record<string, number>>;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: null, runs: null, set: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const [, inline] = arg.split(/=(.*)/s);
      return inline ?? argv[++i];
    };
    if (arg === "--quick") args.quick = true;
    else if (arg.startsWith("--only"))
      args.only = value()
        .split(",")
        .map((s) => s.trim().toLowerCase());
    else if (arg.startsWith("--runs")) args.runs = Number(value());
    else if (arg.startsWith("--set")) {
      const match = /^(p\d|[a-z][\w-]*)\.(\w+)=(.+)$/.exec(value());
      if (!match || !Number.isFinite(Number(match[3]))) throw new Error(`--set wants <scenario>.name=number (p1.bindings=200), got ${arg}`);
      (args.set[match[1]] ??= {})[match[2]] = Number(match[3]);
    } else if (arg === "--help" || arg === "-h") {
      console.log("npm run bench -- [--quick] [--only p1,p5] [--runs N] [--set p1.bindings=200 ...]");
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return args;
}

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    os: `${osType()} ${release()}`,
    node: process.version,
    database: databaseKind(),
  };
}

function format(value: number | null, digits = 2, unit = ""): string {
  if (value === null) return "n/a";
  const text = Number.isInteger(value) ? String(value) : value.toFixed(digits);
  return unit ? `${text} ${unit}` : text;
}

interface ScenarioReport {
  title: string;
  params?: Record<string, number>;
  skipped?: string;
  error?: string;
  runs: ScenarioResult[];
  median: Record<string, number | null>;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const reports: Record<string, ScenarioReport> = {};
  let failed = false;
  for (const scenario of SCENARIOS) {
    if (args.only && !args.only.includes(scenario.id)) continue;
    const params = { ...scenario.params(args.quick), ...args.set[scenario.id] };
    const report: ScenarioReport = { title: scenario.title, params, runs: [], median: {} };
    reports[scenario.id] = report;
    const skip = scenario.skipReason ? await scenario.skipReason() : null;
    if (skip) {
      report.skipped = skip;
      progress(`${scenario.title}: skipped (${skip})`);
      continue;
    }
    const runs = args.runs ?? scenario.runs(args.quick);
    progress(`${scenario.title}: ${runs} run(s) with ${JSON.stringify(params)}`);
    const started = Date.now();
    try {
      for (let r = 0; r < runs; r++) {
        const result = await scenario.run(params);
        report.runs.push(result);
        progress(`${scenario.title} run ${r + 1}/${runs}: ${JSON.stringify(result.metrics)}`);
      }
    } catch (error) {
      failed = true;
      report.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
      progress(`${scenario.title} failed: ${report.error}`);
    }
    for (const metric of scenario.metrics) {
      const values = report.runs.map((r) => r.metrics[metric.key]).filter((v): v is number => typeof v === "number");
      report.median[metric.key] = round(median(values), metric.digits ?? 2);
    }
    progress(`${scenario.title}: done in ${Math.round((Date.now() - started) / 1000)} s`);
  }
  await closeDatabases();

  const env = machine();
  const lines = [
    `taskcal bench, ${startedAt.toISOString().slice(0, 16).replace("T", " ")} UTC, ${args.quick ? "quick" : "full"} run, database ${env.database}`,
    `machine: ${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.os}, Node ${env.node}`,
    "",
    "| scenario | metric | median | goal | |",
    "|---|---|---:|---:|---|",
  ];
  for (const scenario of SCENARIOS) {
    const report = reports[scenario.id];
    if (!report) continue;
    const runs = report.runs.length;
    const name = `${scenario.title}${runs > 1 ? ` (${runs} runs)` : ""}`;
    if (report.skipped) {
      lines.push(`| ${name} | skipped: ${report.skipped} | | | |`);
      continue;
    }
    if (report.error && runs === 0) {
      lines.push(`| ${name} | failed: ${report.error.split("\n")[0]} | | | |`);
      continue;
    }
    for (const metric of scenario.metrics) {
      const value = report.median[metric.key];
      const goal = metric.goal ? `${metric.goal.op === "==" ? "" : `${metric.goal.op} `}${metric.goal.value}` : "";
      const verdict = metric.goal ? ({ true: "met", false: "**missed**", null: "" } as const)[String(meets(metric.goal, value)) as "true"] : "";
      lines.push(`| ${name} | ${metric.label} | ${format(value, metric.digits ?? 2, metric.unit)} | ${goal} | ${verdict} |`);
    }
    const counts = Object.entries(report.params ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(", ");
    lines.push(`| ${name} | _parameters_ | ${counts} | | |`);
  }
  const table = lines.join("\n");
  console.log(table);

  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${startedAt.toISOString().replace(/[:.]/g, "-")}${args.quick ? "-quick" : ""}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt: startedAt.toISOString(), quick: args.quick, machine: env, scenarios: reports, table }, null, 2)}\n`,
  );
  progress(`results written to ${file}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
