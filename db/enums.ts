// One source for each enumeration the schema, the API's zod schemas and the
// engine share (SPEC R1, R3, R7, R16, §3).

/** R1: who wins when both sides changed. */
export const conflictPolicies = ["latest-wins", "crm-wins", "google-wins"] as const;
export type ConflictPolicy = (typeof conflictPolicies)[number];

/** R3: the task fields a type may display in its calendar events. */
export const displayFields = ["number", "customer", "location", "description", "status", "priority", "operator"] as const;

/** R7. */
export const priorities = ["low", "normal", "high"] as const;
export const statuses = ["open", "done"] as const;

/** R16: where a binding's actor is. */
export const actorStates = ["authorizing", "initialImport", "incremental", "backoff", "error", "paused"] as const;
export type ActorStateName = (typeof actorStates)[number];

/** Journal entries and failures: which way a change went. */
export const directions = ["crm-to-calendar", "calendar-to-crm"] as const;
export type Direction = (typeof directions)[number];

/** What an audit entry changed (GET /api/audit `resource`). */
export const auditResources = ["settings", "provider-settings", "event-type", "operator", "bindings"] as const;
