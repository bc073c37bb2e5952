// How far V8 lets its heap grow past what the last full collection left live,
// while many bindings start at once (the service's start, a restart with push
// channels). Thousands of actors then authorize and import together; their
// queries and requests wait long enough to be promoted to the old generation
// and die there, scattered among what stays live, in pages a full collection
// seldom compacts (issue 18: V8's committed heap reached 220–236 MiB for
// 124–135 MiB live, 300–309 MiB resident at the peaks). Held to 10% while the
// start slots are crowded, the heap is collected before as much of that
// accumulates; after, V8 chooses again, so polling pays nothing for it.
// The flag is one V8 reads at every full collection, so setting it while the
// process runs takes effect at the next.
import { setFlagsFromString } from "node:v8";
import type { Logger } from "pino";

/** V8's `--heap-growing-percent` during a mass start; 0 is V8's own choice. */
const CROWDED_GROWING_PERCENT = 10;

const FLAG = /^--heap[-_]growing[-_]percent(=|$)/;

/**
 * What the supervisor tells when starts crowd; undefined when node's command
 * line sets the growth already (NODE_OPTIONS may not): an administrator's
 * choice, `--heap-growing-percent=0` included, is left as it is.
 */
export function heapGrowthDuringStarts(
  logger: Logger,
  nodeFlags: string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): ((crowded: boolean) => void) | undefined {
  if (nodeFlags.some((flag) => FLAG.test(flag))) return undefined;
  return (crowded) => {
    setFlags(`--heap-growing-percent=${crowded ? CROWDED_GROWING_PERCENT : 0}`);
    logger.debug({ heapGrowingPercent: crowded ? CROWDED_GROWING_PERCENT : "V8's" }, crowded ? "bindings queue to start" : "starts done");
  };
}
