// A binding's logger, made when it first writes a line. 10,000 bindings each
// keep one, most never write at the levels enabled (debug is off), and a pino
// child holds its bindings as a string of a dozen joined pieces: about half a
// KiB each, 5 MiB at 10,000 bindings (heap snapshot, issue 18). The proxies
// share one handler; each keeps only its parent, its bindings and, once made,
// its child.
import type { Bindings, Logger } from "pino";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
const noop = () => {};

interface Lazy {
  parent: Logger;
  bindings: Bindings;
  child?: Logger;
}

const handler: ProxyHandler<Lazy> = {
  get(lazy, property) {
    if (!lazy.child) {
      if (typeof property === "string" && LEVELS.has(property) && !lazy.parent.isLevelEnabled(property)) return noop;
      lazy.child = lazy.parent.child(lazy.bindings);
    }
    return Reflect.get(lazy.child, property, lazy.child);
  },
};

/** `parent.child(bindings)`, made on first use; a line at a level that is off makes nothing. */
export function lazyChild(parent: Logger, bindings: Bindings): Logger {
  return new Proxy({ parent, bindings }, handler) as unknown as Logger;
}
