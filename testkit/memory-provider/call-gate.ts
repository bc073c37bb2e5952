// Where every adapter call of the memory provider begins: a log of calls,
// calls held open at will (a slow provider), and injected faults.
import type { AdapterError } from "../../adapters/types.js";

export type AdapterMethod =
  | "accountId"
  | "findOrCreateCalendar"
  | "listChanges"
  | "getEvent"
  | "createEvent"
  | "updateEvent"
  | "moveEvent"
  | "deleteEvent";

interface Fault {
  remaining: number;
  error: AdapterError;
  methods?: AdapterMethod[];
}

export class CallGate {
  private faults: Fault[] = [];
  private readonly holds = new Map<AdapterMethod, Promise<void>>();
  /** Adapter calls as they began (and `listChanges done` as listings ended), in order. */
  readonly callLog: string[] = [];

  /** The next `count` adapter calls (optionally only of these methods) throw `error`. */
  failNext(count: number, error: AdapterError, methods?: AdapterMethod[]): void {
    this.faults.push({ remaining: count, error, methods });
  }

  /** The next call of `method` waits until the returned function is called. */
  hold(method: AdapterMethod): () => void {
    let release!: () => void;
    this.holds.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  /** Logs the call, waits while it is held, then throws the first matching fault left. */
  async enter(method: AdapterMethod): Promise<void> {
    this.callLog.push(method);
    const held = this.holds.get(method);
    if (held) {
      this.holds.delete(method);
      await held;
    }
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.methods || f.methods.includes(method)));
    if (!fault) return;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    throw fault.error;
  }
}
