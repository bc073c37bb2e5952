// A window cut out of a whole-life CPU profile. A service process profiled
// from outside (`node --cpu-prof`) writes one profile of its whole life when it
// exits; the bench keeps the samples of the window it measured. V8 stamps its
// samples with the monotonic clock in microseconds, the one process.hrtime
// reads in every process of the machine, so the bench's marks place them.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  hitCount?: number;
  positionTicks?: unknown;
  [key: string]: unknown;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock V8's profiler stamps samples with (microseconds). */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The samples of `profile` taken from `fromUs` to `toUs`; nodes keep their shape, their hit counts are the window's. */
function crop(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const hits = new Map<number, number>();
  let at = profile.startTime;
  let previous = fromUs;
  profile.samples.forEach((node, i) => {
    at += profile.timeDeltas[i];
    if (at < fromUs || at > toUs) return;
    samples.push(node);
    timeDeltas.push(at - previous);
    previous = at;
    hits.set(node, (hits.get(node) ?? 0) + 1);
  });
  // Line-level ticks were counted over the whole life: dropped rather than left wrong.
  const nodes = profile.nodes.map(({ positionTicks: _, ...node }) => ({ ...node, hitCount: hits.get(node.id) ?? 0 }));
  return { nodes, startTime: fromUs, endTime: toUs, samples, timeDeltas };
}

/** The one profile `--cpu-prof-dir=<fromDir>` holds, cut to the window, written to `to`. */
export function writeProfileWindow(fromDir: string, window: { fromUs: number; toUs: number }, to: string): void {
  const [file] = readdirSync(fromDir).filter((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no CPU profile in ${fromDir}: did the service exit before writing it?`);
  const profile = JSON.parse(readFileSync(join(fromDir, file), "utf8")) as CpuProfile;
  writeFileSync(to, JSON.stringify(crop(profile, window.fromUs, window.toUs)));
}
