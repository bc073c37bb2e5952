// The shape of one benchmark scenario, as bench/run.ts drives it.

export interface Goal {
  op: ">=" | "<=" | "==";
  value: number;
}

export interface MetricSpec {
  key: string;
  label: string;
  unit?: string;
  /** A goal is reported (met / missed), never enforced. */
  goal?: Goal;
  digits?: number;
}

export interface ScenarioResult {
  metrics: Record<string, number | null>;
  /** Counts used, breakdowns, anything worth keeping in the JSON. */
  info?: Record<string, unknown>;
}

export interface Scenario<P extends object = Record<string, number>> {
  id: string;
  title: string;
  /** Parameters for a full or a `--quick` run; `--set key=value` overrides any. */
  params(quick: boolean): P;
  /** Runs to take the median over. */
  runs(quick: boolean): number;
  metrics: MetricSpec[];
  /** A reason to skip (a missing tool), or null. */
  skipReason?(): Promise<string | null>;
  run(params: P): Promise<ScenarioResult>;
}

export function meets(goal: Goal, value: number | null): boolean | null {
  if (value === null) return null;
  if (goal.op === ">=") return value >= goal.value;
  if (goal.op === "<=") return value <= goal.value;
  return Math.abs(value - goal.value) < 1e-9;
}
