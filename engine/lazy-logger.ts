// A binding's logger, made when it first writes a line. 10,000 bindings each
// keep one, most never write at the levels enabled (debug is off), and a pino
// child holds its bindings as a string of a dozen joined pieces: about half a
// KiB each, 5 MiB at 10,000 bindings (heap snapshot, issue 18).
import type { Bindings, Logger } from "pino";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
const noop = () => {};

/** `parent.child(bindings)`, made on first use; a line at a level that is off makes nothing. */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(target, property) {
      if (!child) {
        if (typeof property === "string" && LEVELS.has(property) && !target.isLevelEnabled(property)) return noop;
        child = target.child(bindings);
      }
      return Reflect.get(child, property, child);
    },
  });
}
