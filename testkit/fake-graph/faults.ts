/** Injected misbehaviour, in the style of the fake Google server's. */

export type FaultEndpoint = "api" | "token" | "authorize";

/** One injected misbehaviour; it applies to the next `times` matching calls. */
export interface FaultSpec {
  /** `api` (default, Graph calls), the OAuth `token` endpoint, or `authorize`. */
  endpoint?: FaultEndpoint;
  /** Only calls with this HTTP method. */
  method?: string;
  /** Only calls whose path matches: under graphUrl without query (e.g. `me/events/…`), or `token` / `authorize`. */
  path?: RegExp;
  /** Answer with this status and Graph's error body for it (the token endpoint's OAuth error body there). */
  status?: number;
  /** Override the error code (e.g. 429 `TooManyRequests`, 503 `ServiceUnavailable`). */
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  /** Wait this long first (alone: a slow but successful call; it holds its concurrency slot meanwhile). */
  latencyMs?: number;
  /** Drop the connection without an answer (the client sees a reset). */
  reset?: boolean;
  /** Serve the call, then hold the answer this long: a write that lands while the caller may give up waiting. */
  answerDelayMs?: number;
  /** Default 1. */
  times?: number;
}

interface Fault extends FaultSpec {
  remaining: number;
}

export class Faults {
  private faults: Fault[] = [];

  add(specs: FaultSpec[]): void {
    this.faults.push(...specs.map((spec) => ({ ...spec, remaining: spec.times ?? 1 })));
  }

  clear(): void {
    this.faults = [];
  }

  take(endpoint: FaultEndpoint, method: string, path: string): FaultSpec | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 && (f.endpoint ?? "api") === endpoint && (!f.method || f.method.toUpperCase() === method) && (!f.path || f.path.test(path)),
    );
    if (!fault) return undefined;
    fault.remaining--;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }
}

/** Waits out a fault's latency; "reset" when the connection is to be dropped. */
export async function faultDelay(fault: FaultSpec | undefined): Promise<"reset" | "continue"> {
  if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
  return fault?.reset ? "reset" : "continue";
}
