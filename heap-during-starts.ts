// How V8 manages its heap while many bindings start at once (the service's
// start, a restart with push channels). Thousands of actors then authorize and
// import together; their queries and requests wait long enough to be promoted
// to the old generation and die there, scattered among what stays live. A
// full collection normally moves objects only out of pages mostly free (70%
// at first, then as its measured compaction speed allows), at most 4 MiB of
// them, so half-full pages stay committed (issue 18: 220–236 MiB committed
// for 124–135 MiB live, 300–309 MiB resident at the peaks).
// While the start slots are crowded the service holds the heap's growth to
// 10% over what is live, so it is collected before as much accumulates, and
// turns on V8's optimize-for-size mode, in which a full collection compacts
// pages only a fifth free, up to 6 MiB a time
// (MarkCompactCollector::ComputeEvacuationHeuristics). After, V8 chooses
// again, so polling pays nothing for either (the same collections a minute
// as with V8's own heap throughout, under --trace-gc). V8 reads both flags at
// every collection, so setting them while the process runs takes effect at
// the next.
import { setFlagsFromString } from "node:v8";
import type { Logger } from "pino";

/** V8's `--heap-growing-percent` during a mass start; 0 is V8's own choice. */
const CROWDED_GROWING_PERCENT = 10;

/** Each flag as it is during a mass start and after; `nodeFlag` matches it on node's command line. */
const FLAGS = [
  {
    nodeFlag: /^--heap[-_]growing[-_]percent(=|$)/,
    crowded: `--heap-growing-percent=${CROWDED_GROWING_PERCENT}`,
    after: "--heap-growing-percent=0",
  },
  { nodeFlag: /^--(no[-_])?optimize[-_]for[-_]size$/, crowded: "--optimize-for-size", after: "--no-optimize-for-size" },
];

/**
 * What the supervisor tells when starts crowd; undefined when node's command
 * line sets both flags already (NODE_OPTIONS may not): an administrator's
 * choice, `--heap-growing-percent=0` included, is left as it is.
 */
export function heapDuringStarts(
  logger: Logger,
  nodeFlags: string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): ((crowded: boolean) => void) | undefined {
  const ours = FLAGS.filter(({ nodeFlag }) => !nodeFlags.some((flag) => nodeFlag.test(flag)));
  if (ours.length === 0) return undefined;
  return (crowded) => {
    const flags = ours.map((flag) => (crowded ? flag.crowded : flag.after));
    for (const flag of flags) setFlags(flag);
    logger.debug({ v8Flags: flags }, crowded ? "bindings queue to start" : "starts done");
  };
}
