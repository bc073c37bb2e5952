// What the engine reports as it works, for whoever watches: the service wires
// Prometheus metrics and webhook alerts to it (observability/), tests leave it
// out. Plain calls with plain data: the engine knows no metrics library.
import type { ActorStateName } from "../db/enums.js";
import type { Effects } from "../db/queries/sync-effects.js";
import type { ActorError } from "./binding-context.js";
import type { PassMode } from "./pass.js";

/** How a provider call ended, as an operator groups it (is the provider throttling us, failing, refusing?). */
export type CallOutcome = "ok" | "rate-limited" | "transient" | "permanent";

/** How a pass ended: `cancelled` by a restart, resync, pause or stop. */
export type PassOutcome = "ok" | "failed" | "cancelled";

export interface ActorChange {
  bindingId: string;
  /** Null for the actor's first state. */
  from: ActorStateName | null;
  to: ActorStateName;
  /** What the actor reports now (an error's code and message, never a secret). */
  error: ActorError | null;
}

export interface EngineObserver {
  /** An actor moved to another state. */
  actorChanged(change: ActorChange): void;
  /** A pass of a binding on `provider` ended after `seconds`. */
  passEnded(provider: string, mode: PassMode, outcome: PassOutcome, seconds: number): void;
  /** A call of the calendar interface ended (pacing and the provider's own retries included). */
  providerCall(provider: string, method: string, outcome: CallOutcome, seconds: number): void;
  /** An action's database effects were committed: journal entries, failures recorded or resolved. */
  committed(provider: string, effects: Effects): void;
  /** A push channel was opened; `renewal` when it replaces or extends (renewed in place) the binding's previous one. */
  channelOpened(provider: string, renewal: boolean): void;
  /**
   * A binding's pulling pass ended well, `seconds` after its previous one: with
   * polling alone, the poll interval achieved (longer than set when the pace stretches polls).
   */
  pulled(provider: string, seconds: number): void;
}

/** Reports nothing (tests, benchmarks). */
export const unobserved: EngineObserver = {
  actorChanged() {},
  passEnded() {},
  providerCall() {},
  committed() {},
  channelOpened() {},
  pulled() {},
};
