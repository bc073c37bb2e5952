// The actors as the API shows them, from the database alone: any process
// (any replica) answers GET /api/actors without asking the engine.
import { type AnyColumn, and, asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import type { ActorStateName, Direction } from "../enums.js";
import { bindingLeases, bindingState, bindings, eventTypes, operators, replicas, syncFailures } from "../schema.js";
import { bindingSyncs } from "./bindings.js";
import { openFailures } from "./failures.js";

export interface ActorView {
  id: string;
  bindingId: string;
  operatorId: string;
  eventTypeId: string;
  calendarName: string;
  state: ActorStateName;
  lastSyncAt: string | null;
  lastError: { code: string; message: string; at: string; reauthorizeUrl?: string } | null;
  stats: { pushed: number; pulled: number; conflicts: number; errors: number; failures: number };
  /** Seconds: the oldest CRM change not yet in the calendar (0: none waits), and since the last successful pull (null: none yet). */
  lag: { push: number; pull: number | null };
  /** During initialImport: events read, then tasks written; `total` null where the provider gives no count. */
  progress: { phase: ProgressPhase; done: number; total: number | null } | null;
  /** The replica holding the binding's unexpired lease (its name), null while none does. */
  replica: string | null;
}

export type ProgressPhase = "reading" | "writing";

export interface FailureView {
  taskId: string | null;
  remoteId: string | null;
  direction: Direction;
  code: string;
  message: string;
  at: string;
  attempts: number;
}

/** Seconds since a moment, by the database's clock (the one that marked it), to the millisecond. */
const secondsSince = (column: AnyColumn) => sql<string | null>`round(extract(epoch from (now() - ${column}))::numeric, 3)`;

const failureCount = sql<number>`(select ${count()}::int from ${syncFailures} where ${and(eq(syncFailures.bindingId, bindings.id), isNull(syncFailures.resolvedAt))})`;

/** One entry per binding whose operator is enabled and type synchronized (SPEC §3), oldest binding first. */
export async function actorViews(db: Db, bindingId?: string): Promise<ActorView[]> {
  const rows = await db
    .select({
      binding: bindings,
      state: bindingState,
      failures: failureCount,
      pushLag: secondsSince(bindingState.pushPendingSince),
      pullLag: secondsSince(bindingState.lastPullAt),
      replica: replicas.name,
    })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
    .leftJoin(bindingState, eq(bindingState.bindingId, bindings.id))
    .leftJoin(bindingLeases, and(eq(bindingLeases.bindingId, bindings.id), sql`${bindingLeases.expiresAt} > now()`))
    .leftJoin(replicas, eq(replicas.id, bindingLeases.owner))
    .where(and(bindingSyncs, bindingId ? eq(bindings.id, bindingId) : undefined))
    .orderBy(asc(bindings.createdAt), asc(bindings.id));
  return rows.map(({ binding, state, failures, pushLag, pullLag, replica }) => ({
    id: binding.id,
    bindingId: binding.id,
    operatorId: binding.operatorId,
    eventTypeId: binding.eventTypeId,
    calendarName: binding.calendarName,
    state: (state?.state ?? "authorizing") as ActorStateName,
    lastSyncAt: state?.lastSyncAt?.toISOString() ?? null,
    lastError:
      state?.lastErrorCode && state.lastErrorAt
        ? { code: state.lastErrorCode, message: state.lastErrorMessage ?? "", at: state.lastErrorAt.toISOString() }
        : null,
    stats: {
      pushed: state?.pushed ?? 0,
      pulled: state?.pulled ?? 0,
      conflicts: state?.conflicts ?? 0,
      errors: state?.errors ?? 0,
      failures: Number(failures ?? 0),
    },
    // A mark in the future (clocks of two machines) is no lag.
    lag: { push: Math.max(0, Number(pushLag ?? 0)), pull: pullLag === null ? null : Math.max(0, Number(pullLag)) },
    progress:
      state?.state === "initialImport" && state.progressPhase
        ? { phase: state.progressPhase as ProgressPhase, done: state.progressDone ?? 0, total: state.progressTotal }
        : null,
    replica: replica ?? null,
  }));
}

export async function actorView(db: Db, bindingId: string): Promise<ActorView | null> {
  const [view] = await actorViews(db, bindingId);
  return view ?? null;
}

/** R20: the items a binding could not sync, oldest first. */
export async function failureViews(db: Db, bindingId: string): Promise<FailureView[]> {
  return (await openFailures(db, bindingId)).map((f) => ({
    taskId: f.taskId,
    remoteId: f.remoteId,
    direction: f.direction as Direction,
    code: f.code,
    message: f.message,
    at: f.at.toISOString(),
    attempts: f.attempts,
  }));
}
