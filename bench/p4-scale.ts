import type { Scenario } from "./scenario";
export const p4Scale: Scenario = { id: "p4", title: "p4-scale", params: () => ({}), runs: () => 1, metrics: [], skipReason: async () => "not written yet", run: async () => ({ metrics: {} }) };
