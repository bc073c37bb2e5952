// Binding actors as the API shows them (SPEC §3).
import { z } from "@hono/zod-openapi";
import { actorStates, directions } from "../../db/enums.js";

export const ActorStateSchema = z.enum(actorStates).openapi({ description: "R16: where the binding's actor is" });

export const ActorSchema = z
  .object({
    id: z.uuid().openapi({ description: "The actor's id is its binding's id" }),
    bindingId: z.uuid(),
    operatorId: z.uuid(),
    eventTypeId: z.uuid(),
    calendarName: z.string(),
    state: ActorStateSchema,
    lastSyncAt: z.string().nullable(),
    lastError: z
      .object({
        code: z.string(),
        message: z.string().openapi({ description: "What is wrong and what to do about it" }),
        at: z.string(),
        reauthorizeUrl: z
          .string()
          .optional()
          .openapi({ description: "With auth_revoked, where a provider has a consent flow: open it in a browser to connect the account again" }),
      })
      .nullable(),
    stats: z.object({
      pushed: z.number().int(),
      pulled: z.number().int(),
      conflicts: z.number().int(),
      errors: z.number().int().openapi({ description: "Faults of the whole binding so far" }),
      failures: z.number().int().openapi({ description: "Items that failed on their own and are not resolved (GET …/failures)" }),
    }),
    lag: z
      .object({
        push: z.number().openapi({
          description:
            "Seconds since the oldest CRM change not yet in the calendar was made; 0 when none waits (items parked as failures count in stats.failures, not here)",
        }),
        pull: z.number().nullable().openapi({ description: "Seconds since the last successful pull of calendar changes; null before the first" }),
      })
      .openapi({ description: "How far behind the binding is (an addition to SPEC's fields)" }),
    progress: z
      .object({
        phase: z.enum(["reading", "writing"]).openapi({ description: "reading: calendar events read; writing: tasks written to the calendar" }),
        done: z.number().int(),
        total: z.number().int().nullable().openapi({ description: "Null where the provider gives no count (reading)" }),
      })
      .nullable()
      .openapi({ description: "During initialImport: how far it is; null otherwise (an addition to SPEC's fields)" }),
    replica: z.string().nullable().openapi({
      description:
        "The name of the replica running the actor (REPLICA_NAME, else host:pid); null while no replica holds its lease, e.g. for the seconds of a failover (an addition to SPEC's fields)",
    }),
  })
  .openapi("Actor");

export const ActorCommandSchema = z.enum(["sync", "restart", "pause", "resume", "resync", "retry-failures"]).openapi({
  param: { name: "command", in: "path" },
  description:
    "sync: run now; restart: start afresh (leaves error and pause, retries failed items); pause/resume; resync: drop the sync token and re-import without duplicates; retry-failures: try every failed item again",
});

export const FailureSchema = z
  .object({
    taskId: z.uuid().nullable(),
    remoteId: z.string().nullable().openapi({ description: "The event's id in the calendar" }),
    direction: z.enum(directions),
    code: z.string().openapi({ example: "refused" }),
    message: z.string().openapi({ description: "What the calendar or the engine said" }),
    at: z.string().openapi({ description: "The last attempt" }),
    attempts: z.number().int(),
  })
  .openapi("Failure");

export const JournalEntrySchema = z
  .object({
    at: z.string(),
    direction: z.enum(directions),
    action: z.string().openapi({ example: "create" }),
    taskId: z.uuid().nullable(),
    remoteId: z.string().nullable(),
    outcome: z.string(),
    detail: z.string().nullable(),
  })
  .openapi("JournalEntry");

export const JournalQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .openapi({ param: { name: "limit", in: "query" } }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(0)
    .openapi({ param: { name: "offset", in: "query" }, description: "Entries to skip, newest first: the next page starts at offset + limit" }),
  direction: z
    .enum(directions)
    .optional()
    .openapi({ param: { name: "direction", in: "query" }, description: "Only entries of this direction" }),
  outcome: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .openapi({ param: { name: "outcome", in: "query" }, description: "Only entries with this outcome (ok, failed, skipped, ...)" }),
});

export const StateChangeSchema = z
  .object({
    at: z.string(),
    from: ActorStateSchema.nullable().openapi({ description: "null: the actor started (the process or the binding did)" }),
    to: ActorStateSchema,
    error: z.object({ code: z.string(), message: z.string() }).nullable().openapi({ description: "The error that came with the change" }),
  })
  .openapi("StateChange");

export const StateChangeQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(20)
    .openapi({ param: { name: "limit", in: "query" } }),
});
