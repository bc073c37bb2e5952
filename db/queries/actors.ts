// The actors as the API shows them, from the database alone: any process
// (any replica) answers GET /api/actors without asking the engine.
import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import type { ActorStateName, Direction } from "../enums.js";
import { bindingState, bindings, eventTypes, operators, syncFailures } from "../schema.js";
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
}

export interface FailureView {
  taskId: string | null;
  remoteId: string | null;
  direction: Direction;
  code: string;
  message: string;
  at: string;
  attempts: number;
}

const failureCount = sql<number>`(select ${count()}::int from ${syncFailures} where ${and(eq(syncFailures.bindingId, bindings.id), isNull(syncFailures.resolvedAt))})`;

/** One entry per binding whose operator is enabled and type synchronized (SPEC §3), oldest binding first. */
export async function actorViews(db: Db, bindingId?: string): Promise<ActorView[]> {
  const rows = await db
    .select({ binding: bindings, state: bindingState, failures: failureCount })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
    .leftJoin(bindingState, eq(bindingState.bindingId, bindings.id))
    .where(and(bindingSyncs, bindingId ? eq(bindings.id, bindingId) : undefined))
    .orderBy(asc(bindings.createdAt), asc(bindings.id));
  return rows.map(({ binding, state, failures }) => ({
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
