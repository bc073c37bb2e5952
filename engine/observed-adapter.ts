// A calendar adapter whose every call is reported (method, outcome, time) to
// the engine's observer. It wraps whatever adapter a provider makes, so every
// provider, built-in or plugged in, is measured the same way; the provider is
// only a label value.
import { AdapterError, type CalendarAdapter, RateLimited } from "../adapters/types.js";
import type { CallOutcome, EngineObserver } from "./engine-observer.js";

/** The interface's calls that reach the provider (eventIdForTask and occurrenceIdPrefix are computed locally). */
const CALLS = [
  "accountId",
  "findOrCreateCalendar",
  "listChanges",
  "getEvent",
  "createEvent",
  "updateEvent",
  "deleteEvent",
  "moveEvent",
  "watch",
  "stopWatch",
] as const satisfies readonly (keyof CalendarAdapter)[];
const observedCalls = new Set<PropertyKey>(CALLS);

export function callOutcome(error: unknown): CallOutcome {
  if (error instanceof RateLimited) return "rate-limited";
  if (error instanceof AdapterError) return error.retryable ? "transient" : "permanent";
  // Not an adapter error: a network failure the provider did not map, or a bug; neither is fixed by waiting.
  return "permanent";
}

export function observedAdapter(adapter: CalendarAdapter, observer: EngineObserver): CalendarAdapter {
  // A plain object, not a Map: 10,000 bindings each keep one wrapped adapter, and a Map's table alone is ~170 bytes.
  const wrapped: Record<PropertyKey, unknown> = Object.create(null);
  const wrap =
    (method: string, call: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]) => {
      const started = performance.now();
      let outcome: CallOutcome = "ok";
      try {
        return await call.apply(adapter, args);
      } catch (error) {
        outcome = callOutcome(error);
        throw error;
      } finally {
        observer.providerCall(adapter.provider, method, outcome, (performance.now() - started) / 1000);
      }
    };
  // A proxy rather than a copy: optional methods stay absent, and methods run on the adapter itself (private fields work).
  return new Proxy(adapter, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (wrapped[property] ??= observedCalls.has(property) ? wrap(String(property), value) : value.bind(target));
    },
  });
}
