// A service process's memory and CPU as Linux accounts for them (/proc), read
// from outside: what the process costs the machine, whatever runs inside it.
import { readFileSync, writeFileSync } from "node:fs";

const MiB = 2 ** 20;

/**
 * Clock ticks per second of /proc/<pid>/stat's times (USER_HZ): 100 on every
 * Linux architecture Node runs on; Node offers no sysconf(_SC_CLK_TCK) to ask.
 */
const CLOCK_TICKS_PER_SECOND = 100;

export interface Memory {
  /** Resident now (VmRSS). */
  rssMiB: number;
  /** Resident at its highest since the process started (VmHWM). */
  peakRssMiB: number;
}

/** Resident memory of a process, or null once it has gone. */
export function memoryOf(pid: number): Memory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]);
  const rss = kib("VmRSS");
  const peak = kib("VmHWM");
  return Number.isFinite(rss) && Number.isFinite(peak) ? { rssMiB: (rss * 1024) / MiB, peakRssMiB: (peak * 1024) / MiB } : null;
}

/**
 * Starts the process's peak (VmHWM) again from what it holds now (Linux 4.0+,
 * `clear_refs`): the bench's own probes (a forced full collection, a heap
 * snapshot) then stay out of the peak it reports as the service's. False if
 * the kernel refused (the peak then still holds them).
 */
export function resetPeakOf(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) the process has used so far, in seconds. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 11 and 12 after the name.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
