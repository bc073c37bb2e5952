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

/**
 * One handler per observer, shared by every adapter it watches: 10,000
 * bindings each keep a wrapped adapter, and a handler of its own with a cache
 * of wrapped methods was about 0.7 KiB of each (heap snapshot, issue 18). A
 * method is wrapped each time it is read instead: a few dozen bytes of garbage
 * per call, beside the call's own.
 */
const handlers = new WeakMap<EngineObserver, ProxyHandler<CalendarAdapter>>();

function handlerFor(observer: EngineObserver): ProxyHandler<CalendarAdapter> {
  let handler = handlers.get(observer);
  if (handler) return handler;
  handler = {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (!observedCalls.has(property)) return value.bind(target);
      const method = String(property);
      return async (...args: unknown[]) => {
        const started = performance.now();
        let outcome: CallOutcome = "ok";
        try {
          return await value.apply(target, args);
        } catch (error) {
          outcome = callOutcome(error);
          throw error;
        } finally {
          observer.providerCall(target.provider, method, outcome, (performance.now() - started) / 1000);
        }
      };
    },
  };
  handlers.set(observer, handler);
  return handler;
}

export function observedAdapter(adapter: CalendarAdapter, observer: EngineObserver): CalendarAdapter {
  // A proxy rather than a copy: optional methods stay absent, and methods run on the adapter itself (private fields work).
  return new Proxy(adapter, handlerFor(observer));
}
