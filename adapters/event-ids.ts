import { createHash } from "node:crypto";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The event id for a task, the same on every attempt so an insert can be
 * repeated safely (R13). Google accepts 5–1024 characters of base32hex
 * ([a-v0-9]); a UUID's hex digits qualify as they are, so the id stays
 * readable. Other task ids are hashed (64 hex digits, never the 32 of a UUID).
 */
export function eventIdForTaskId(taskId: string): string {
  if (UUID.test(taskId)) return taskId.replace(/-/g, "").toLowerCase();
  return createHash("sha256").update(taskId).digest("hex");
}
