import type { Scenario } from "./scenario";
export const p6Peer: Scenario = { id: "p6", title: "p6-peer", params: () => ({}), runs: () => 1, metrics: [], skipReason: async () => "not written yet", run: async () => ({ metrics: {} }) };
