import type { Scenario } from "./scenario";
export const p3Quota: Scenario = { id: "p3", title: "p3-quota", params: () => ({}), runs: () => 1, metrics: [], skipReason: async () => "not written yet", run: async () => ({ metrics: {} }) };
