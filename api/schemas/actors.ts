// Binding actors as the API shows them (SPEC §3).
import { z } from "@hono/zod-openapi";

export const ActorStateSchema = z
  .enum(["authorizing", "initialImport", "incremental", "backoff", "error", "paused"])
  .openapi({ description: "R16: where the binding's actor is" });

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
      .object({ code: z.string(), message: z.string().openapi({ description: "What is wrong and what to do about it" }), at: z.string() })
      .nullable(),
    stats: z.object({ pushed: z.number().int(), pulled: z.number().int(), conflicts: z.number().int(), errors: z.number().int() }),
  })
  .openapi("Actor");

export const ActorCommandSchema = z.enum(["sync", "restart", "pause", "resume", "resync"]).openapi({
  param: { name: "command", in: "path" },
  description: "sync: run now; restart: start afresh (leaves error and pause); pause/resume; resync: drop the sync token and re-import without duplicates",
});

export const JournalEntrySchema = z
  .object({
    at: z.string(),
    direction: z.enum(["crm-to-calendar", "calendar-to-crm"]),
    action: z.string().openapi({ example: "create" }),
    taskId: z.uuid().nullable(),
    remoteId: z.string().nullable(),
    outcome: z.string(),
    detail: z.string().nullable(),
  })
  .openapi("JournalEntry");

export const JournalQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).openapi({ param: { name: "limit", in: "query" } }),
});
