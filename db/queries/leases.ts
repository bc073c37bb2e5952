// Replicas and the leases that share the bindings among them. Times are the
// database's (now()), never a replica's clock, so machines whose clocks
// disagree still agree on who holds what.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindings, eventTypes, operators } from "../schema.js";
import { arrayLiteral } from "./arrays.js";
import { bindingSyncs } from "./bindings.js";
import { rowsOf } from "./rows.js";

/** A lease this replica holds: the epoch it claimed it at. */
export interface HeldLease {
  bindingId: string;
  epoch: number;
}

const seconds = (n: number) => sql`make_interval(secs => ${n})`;

/** Records the replica's heartbeat (its row made on first beat). */
export async function heartbeat(db: Db, replica: { id: string; name: string }): Promise<void> {
  await db.execute(sql`
    insert into replicas (id, name) values (${replica.id}, ${replica.name})
    on conflict (id) do update set heartbeat_at = now(), name = excluded.name`);
}

/**
 * Live replicas (a heartbeat younger than the TTL) and syncing bindings,
 * making the missing leases of the latter (unowned) on the way.
 */
export async function shareCounts(db: Db, ttlSeconds: number): Promise<{ replicas: number; bindings: number }> {
  const syncing = syncingIds(db);
  await db.execute(sql`
    insert into binding_leases (binding_id)
    select id from (${syncing}) s where not exists (select 1 from binding_leases l where l.binding_id = s.id)
    on conflict do nothing`);
  const rows = await db.execute<{ replicas: number; bindings: number }>(sql`
    select
      (select count(*)::int from replicas where heartbeat_at > now() - ${seconds(ttlSeconds)}) as replicas,
      (select count(*)::int from (${syncing}) s) as bindings`);
  const [row] = rowsOf<{ replicas: number; bindings: number }>(rows);
  return { replicas: Math.max(1, Number(row.replicas)), bindings: Number(row.bindings) };
}

/**
 * Extends every lease the replica holds; what it returns is all it still
 * holds. One that expired but nobody claimed is still its own (a claim
 * changes the owner): its writes were refused while it was expired, and
 * nobody else wrote, so it may go on.
 */
export async function renewLeases(db: Db, owner: string, ttlSeconds: number): Promise<HeldLease[]> {
  const rows = await db.execute<{ binding_id: string; epoch: string }>(sql`
    update binding_leases set expires_at = now() + ${seconds(ttlSeconds)}
    where owner = ${owner}
    returning binding_id, epoch`);
  return rowsOf<{ binding_id: string; epoch: string }>(rows).map(held);
}

/**
 * Claims up to `limit` leases nobody holds (unowned, or expired) of syncing
 * bindings; rows another replica is claiming or writing under are skipped,
 * not waited for. Each claim starts a new epoch.
 */
export async function claimLeases(db: Db, owner: string, ttlSeconds: number, limit: number): Promise<HeldLease[]> {
  if (limit <= 0) return [];
  const rows = await db.execute<{ binding_id: string; epoch: string }>(sql`
    with free as (
      select l.binding_id from binding_leases l
      where (l.owner is null or l.expires_at <= now()) and l.binding_id in (${syncingIds(db)})
      order by l.expires_at, l.binding_id
      limit ${limit}
      for update of l skip locked)
    update binding_leases l set owner = ${owner}, epoch = l.epoch + 1, expires_at = now() + ${seconds(ttlSeconds)}
    from free where l.binding_id = free.binding_id
    returning l.binding_id, l.epoch`);
  return rowsOf<{ binding_id: string; epoch: string }>(rows).map(held);
}

/** Gives leases up at once (their actors stopped first), so another replica claims them at its next beat. */
export async function releaseLeases(db: Db, owner: string, bindingIds: string[]): Promise<void> {
  if (bindingIds.length === 0) return;
  await db.execute(sql`
    update binding_leases set owner = null, expires_at = now()
    where owner = ${owner} and binding_id in (select unnest(${toUuidArray(bindingIds)}))`);
}

/**
 * Embedded PGlite belongs to one process: replicas and leases found there at
 * start are those of a process that died (a crash); they are freed at once.
 */
export async function forgetOtherReplicas(db: Db, id: string): Promise<void> {
  await db.execute(sql`update binding_leases set owner = null, expires_at = now() where owner is distinct from ${id}`);
  await db.execute(sql`delete from replicas where id <> ${id}`);
}

/** The replica left: its row goes, so it no longer counts in anyone's fair share. */
export async function forgetReplica(db: Db, id: string): Promise<void> {
  await db.execute(sql`delete from replicas where id = ${id}`);
}

/** The replica holding a binding's unexpired lease, or null. */
export async function leaseOwnerOf(db: Db, bindingId: string): Promise<string | null> {
  const rows = await db.execute<{ owner: string | null }>(sql`
    select owner from binding_leases where binding_id = ${bindingId} and expires_at > now()`);
  return rowsOf<{ owner: string | null }>(rows)[0]?.owner ?? null;
}

/** Tells every replica something on a channel (NOTIFY); the owner of what it names acts on it. */
export async function notify(db: Db, channel: string, payload: unknown): Promise<void> {
  await db.execute(sql`select pg_notify(${channel}, ${JSON.stringify(payload)})`);
}

/** The ids of the bindings that sync (SPEC §3), as a subquery. */
const syncingIds = (db: Db) =>
  db
    .select({ id: bindings.id })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
    .where(bindingSyncs);

const held = (row: { binding_id: string; epoch: string | number }): HeldLease => ({ bindingId: row.binding_id, epoch: Number(row.epoch) });

const toUuidArray = (ids: string[]) => sql`${arrayLiteral(ids)}::uuid[]`;
