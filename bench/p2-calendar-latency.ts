import type { Scenario } from "./scenario";
export const p2CalendarLatency: Scenario = { id: "p2", title: "p2-calendar-latency", params: () => ({}), runs: () => 1, metrics: [], skipReason: async () => "not written yet", run: async () => ({ metrics: {} }) };
