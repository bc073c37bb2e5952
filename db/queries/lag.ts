// How far behind a binding is, kept in its state row so that any process can
// answer: `push_pending_since` (marked by the tasks_pending trigger on any task
// write, migration 0009) and `last_pull_at` (written by the engine).
import { eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState, bindings, operators, syncFailures } from "../schema.js";
import { perDatabase } from "./prepared.js";

/**
 * After a pass that went well and had a change waiting when it began: clears
 * the binding's waiting mark. Nothing else sets a mark that is already set
 * (the trigger marks only an unmarked binding, and a binding's passes run one
 * at a time), so it is still the one the pass began with. A change that came
 * during the pass sent the notice that brings the next pass.
 */
export async function clearPushLag(db: Db, bindingId: string): Promise<void> {
  await clear(db).execute({ bindingId });
}

const clear = perDatabase((db) =>
  db
    .update(bindingState)
    .set({ pushPendingSince: null })
    .where(eq(bindingState.bindingId, sql.placeholder("bindingId")))
    .prepare("taskcal_clear_push_lag"),
);

/**
 * After a pass that failed or was cancelled, so what it left waits (backoff,
 * error, pause): sets the mark to the oldest change still to push (tasks
 * parked as failures aside), also one whose mark the trigger skipped while
 * the pass held the row, or clears it when nothing waits. A full look at the
 * binding's tasks: rare, so its planning time does not matter.
 */
export async function settlePushLag(
  db: Db,
  binding: { id: string; operatorId: string; eventTypeId: string },
  window: { startDate: string; startInstant: Date },
): Promise<void> {
  const { id, operatorId, eventTypeId } = binding;
  const notParked = sql`not exists (select 1 from sync_failures f where f.binding_id = ${id}
      and f.item = 'task:' || t.id and f.resolved_at is null and f.task_version = t.version)`;
  // What a pass would push (as db/queries/pushes.ts selects it), by when each task last changed.
  const waiting = sql`
    select t.updated_at as changed from links l join tasks t on t.id = l.task_id
     where l.binding_id = ${id}
       and (l.synced_version < t.version or t.operator_id <> ${operatorId} or t.event_type_id <> ${eventTypeId} or l.etag is null)
       and ${notParked}
    union all
    select t.updated_at from tasks t
     where t.operator_id = ${operatorId} and t.event_type_id = ${eventTypeId} and not t.deleted
       and not exists (select 1 from links l where l.task_id = t.id and l.binding_id = ${id})
       and ((t.all_day and t.end_date >= ${window.startDate}::date)
         or (not t.all_day and t.end_at >= ${window.startInstant.toISOString()}::timestamptz))
       and ${notParked}`;
  // Never later than a mark already set: that change has waited at least since then (greatest ignores a null mark).
  await db.execute(sql`
    update binding_state s set push_pending_since = (
      select case when min(w.changed) is null then null else greatest(s.push_pending_since, min(w.changed)) end
        from (${waiting}) w)
     where s.binding_id = ${id}`);
}

/** One running binding as the metrics show it at a scrape. */
export interface BindingGauge {
  bindingId: string;
  state: string;
  provider: string;
  /** Seconds; 0 when nothing waits. */
  pushLag: number;
  /** Seconds since the last successful pull; null before the first. */
  pullLag: number | null;
  channelOpen: boolean;
  openFailures: number;
}

/** The bindings `ids` (those this process runs) for a scrape, lags by the database's clock. */
export async function bindingGauges(db: Db, ids: string[]): Promise<BindingGauge[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      bindingId: bindingState.bindingId,
      state: bindingState.state,
      provider: operators.provider,
      pushLag: sql<string | null>`extract(epoch from (now() - ${bindingState.pushPendingSince}))`,
      pullLag: sql<string | null>`extract(epoch from (now() - ${bindingState.lastPullAt}))`,
      channelOpen: sql<boolean>`(${bindingState.watchChannelId} is not null and coalesce(${bindingState.watchExpiresAt} > now(), false))`,
      openFailures: sql<number>`(select count(*)::int from ${syncFailures} where ${syncFailures.bindingId} = ${bindingState.bindingId} and ${syncFailures.resolvedAt} is null)`,
    })
    .from(bindingState)
    .innerJoin(bindings, eq(bindings.id, bindingState.bindingId))
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    // One array parameter however many bindings run here (a list of parameters would meet PostgreSQL's limit).
    .where(sql`${bindingState.bindingId} = any(${`{${ids.join(",")}}`}::uuid[])`);
  return rows.map((row) => ({
    ...row,
    pushLag: Math.max(0, Number(row.pushLag ?? 0)),
    pullLag: row.pullLag === null ? null : Math.max(0, Number(row.pullLag)),
    channelOpen: Boolean(row.channelOpen),
    openFailures: Number(row.openFailures),
  }));
}
