// Per-item failures of a binding (R20): recorded, shown, retried, resolved.
import { and, asc, eq, isNull, like, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import type { Direction } from "../enums.js";
import { syncFailures } from "../schema.js";
import type { Tx } from "./prepared.js";

export interface FailureRecord {
  /** `task:<id>` or `event:<remote id>` (failureItem). */
  item: string;
  taskId?: string | null;
  remoteId?: string | null;
  direction: Direction;
  code: string;
  message: string;
  /** The task version that failed: the task is tried again once it changes. */
  taskVersion?: number | null;
}

export interface OpenFailure {
  item: string;
  taskId: string | null;
  remoteId: string | null;
  direction: string;
  code: string;
  message: string;
  taskVersion: number | null;
  at: Date;
  attempts: number;
}

export const failureItem = {
  task: (taskId: string) => `task:${taskId}`,
  event: (remoteId: string) => `event:${remoteId}`,
};

/** Failures not yet resolved, oldest first. */
export async function openFailures(db: Db, bindingId: string): Promise<OpenFailure[]> {
  return db
    .select({
      item: syncFailures.item,
      taskId: syncFailures.taskId,
      remoteId: syncFailures.remoteId,
      direction: syncFailures.direction,
      code: syncFailures.code,
      message: syncFailures.message,
      taskVersion: syncFailures.taskVersion,
      at: syncFailures.at,
      attempts: syncFailures.attempts,
    })
    .from(syncFailures)
    .where(and(eq(syncFailures.bindingId, bindingId), isNull(syncFailures.resolvedAt)))
    .orderBy(asc(syncFailures.firstAt), asc(syncFailures.item));
}

export async function recordFailure(tx: Tx, bindingId: string, failure: FailureRecord): Promise<void> {
  const values = {
    taskId: failure.taskId ?? null,
    remoteId: failure.remoteId ?? null,
    direction: failure.direction,
    code: failure.code,
    message: failure.message,
    taskVersion: failure.taskVersion ?? null,
    at: new Date(),
    resolvedAt: null,
  };
  await tx
    .insert(syncFailures)
    .values({ bindingId, item: failure.item, ...values })
    .onConflictDoUpdate({
      target: [syncFailures.bindingId, syncFailures.item],
      // A failure that comes back after being resolved starts counting again.
      set: { ...values, attempts: sql`case when ${syncFailures.resolvedAt} is null then ${syncFailures.attempts} + 1 else 1 end` },
    });
}

export async function resolveFailure(tx: Tx, bindingId: string, item: string): Promise<void> {
  await tx
    .update(syncFailures)
    .set({ resolvedAt: new Date() })
    .where(and(eq(syncFailures.bindingId, bindingId), eq(syncFailures.item, item), isNull(syncFailures.resolvedAt)));
}

/** retry-failures and restart: failed tasks are pushed again on the next pass, whatever their version. */
export async function releaseTaskFailures(db: Db, bindingId: string): Promise<void> {
  await db
    .update(syncFailures)
    .set({ taskVersion: null })
    .where(and(eq(syncFailures.bindingId, bindingId), isNull(syncFailures.resolvedAt), like(syncFailures.item, "task:%")));
}
