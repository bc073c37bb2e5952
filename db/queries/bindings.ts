// Bindings with what shapes their sync, and the calendars they hold (R5).
import { and, asc, eq, inArray, ne, or, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState, bindings, calendarClaims, eventTypes, links, operators, providerSettings, settings } from "../schema.js";
import type { StoredFields } from "../sealed-fields.js";
import { perDatabase, type Tx } from "./prepared.js";

export interface BindingConfig {
  binding: typeof bindings.$inferSelect;
  operator: typeof operators.$inferSelect;
  eventType: typeof eventTypes.$inferSelect;
  settings: typeof settings.$inferSelect;
  /** The company settings of the operator's provider, as stored. */
  company: StoredFields;
}

/** A binding syncs when its operator is enabled and its type synchronized (SPEC §3, GET /api/actors). */
export const bindingSyncs = and(eq(operators.syncEnabled, true), eq(eventTypes.syncEnabled, true));

function withConfig(db: Db | Tx) {
  return db
    .select({
      binding: bindings,
      operator: operators,
      eventType: eventTypes,
      settings,
      company: { values: providerSettings.settings, secrets: providerSettings.secrets },
    })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
    .innerJoin(settings, eq(settings.id, 1))
    .leftJoin(providerSettings, eq(providerSettings.id, operators.provider));
}

/** A provider without settings yet has none. */
function withCompany<T extends { company: StoredFields | null }>(row: T): Omit<T, "company"> & { company: StoredFields } {
  return { ...row, company: row.company ?? { values: {}, secrets: {} } };
}

const configQuery = perDatabase((db) =>
  withConfig(db)
    .where(eq(bindings.id, sql.placeholder("bindingId")))
    .prepare("taskcal_binding_config"),
);

/** The binding with everything that shapes its sync, or null when it is gone. */
export async function bindingConfig(db: Db, bindingId: string): Promise<BindingConfig | null> {
  const [row] = await configQuery(db).execute({ bindingId });
  return row ? withCompany(row) : null;
}

/** Every binding that syncs, with its configuration. */
export async function syncingBindings(db: Db): Promise<BindingConfig[]> {
  return (await withConfig(db).where(bindingSyncs)).map(withCompany);
}

/**
 * R5: claims `calendarId` of `accountId` for the binding, atomically, and
 * releases any calendar it held before. Returns the binding that holds the
 * calendar now: this one, or the one that claimed it first.
 */
export async function claimCalendar(db: Db, bindingId: string, accountId: string, calendarId: string): Promise<string> {
  return db.transaction(async (tx) => {
    await tx
      .delete(calendarClaims)
      .where(and(eq(calendarClaims.bindingId, bindingId), or(ne(calendarClaims.accountId, accountId), ne(calendarClaims.calendarId, calendarId))));
    await tx.insert(calendarClaims).values({ accountId, calendarId, bindingId }).onConflictDoNothing();
    const [holder] = await tx
      .select({ bindingId: calendarClaims.bindingId })
      .from(calendarClaims)
      .where(and(eq(calendarClaims.accountId, accountId), eq(calendarClaims.calendarId, calendarId)));
    return holder.bindingId;
  });
}

/**
 * A binding now points at another calendar (a new name): its sync state,
 * links and calendar claim belong to the old one and go (its events stay
 * there, R15).
 */
export async function resetBindingSync(tx: Tx, bindingId: string): Promise<void> {
  await tx.delete(bindingState).where(eq(bindingState.bindingId, bindingId));
  await tx.delete(links).where(eq(links.bindingId, bindingId));
  await tx.delete(calendarClaims).where(eq(calendarClaims.bindingId, bindingId));
}

/** Serializes binding changes, so two requests cannot both pass a clash check. */
export async function lockBindings(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('taskcal.bindings'))`);
}

export interface BindingView {
  bindingId: string;
  eventTypeId: string;
  calendarName: string;
}

/** An operator's bindings, by calendar name. */
export function operatorBindings(db: Db | Tx, operatorId: string): Promise<BindingView[]> {
  return db
    .select({ bindingId: bindings.id, eventTypeId: bindings.eventTypeId, calendarName: bindings.calendarName })
    .from(bindings)
    .where(eq(bindings.operatorId, operatorId))
    .orderBy(asc(bindings.calendarName), asc(bindings.id));
}

/**
 * Replaces an operator's bindings with `wanted` (one per type): types no longer
 * wanted lose their binding, new ones get one, and a type bound to another
 * calendar name starts that binding's sync afresh. Unchanged pairs keep theirs.
 */
export async function replaceOperatorBindings(tx: Tx, operatorId: string, wanted: { eventTypeId: string; calendarName: string }[]): Promise<void> {
  const current = await tx.select().from(bindings).where(eq(bindings.operatorId, operatorId));
  const currentByType = new Map(current.map((b) => [b.eventTypeId, b]));
  const wantedTypes = new Set(wanted.map((w) => w.eventTypeId));
  const gone = current.filter((b) => !wantedTypes.has(b.eventTypeId)).map((b) => b.id);
  if (gone.length) await tx.delete(bindings).where(inArray(bindings.id, gone));
  for (const { eventTypeId, calendarName } of wanted) {
    const existing = currentByType.get(eventTypeId);
    if (!existing) {
      await tx.insert(bindings).values({ operatorId, eventTypeId, calendarName });
    } else if (existing.calendarName !== calendarName) {
      await resetBindingSync(tx, existing.id);
      await tx.update(bindings).set({ calendarName, updatedAt: new Date() }).where(eq(bindings.id, existing.id));
    }
  }
}

/** The first binding of another operator on the same company account of `provider` (useConfigToken) with one of these calendar names (R5). */
export async function sharedAccountHolder(
  tx: Tx,
  provider: string,
  operatorId: string,
  names: string[],
): Promise<{ operator: string; operatorId: string; calendarName: string } | null> {
  if (names.length === 0) return null;
  const [holder] = await tx
    .select({ operator: operators.name, operatorId: operators.id, calendarName: bindings.calendarName })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .where(
      and(ne(operators.id, operatorId), eq(operators.provider, provider), eq(operators.useConfigToken, true), inArray(bindings.calendarName, names)),
    )
    .limit(1);
  return holder ?? null;
}

export interface SyncingBinding {
  bindingId: string;
  operatorId: string;
  provider: string;
  useConfigToken: boolean;
}

/** Every binding that syncs and whose operator it is: which credential each signs in with follows from these. */
export function syncingBindingOperators(db: Db): Promise<SyncingBinding[]> {
  return db
    .select({ bindingId: bindings.id, operatorId: operators.id, provider: operators.provider, useConfigToken: operators.useConfigToken })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .innerJoin(eventTypes, eq(eventTypes.id, bindings.eventTypeId))
    .where(bindingSyncs)
    .orderBy(asc(bindings.createdAt), asc(bindings.id));
}

/** The binding that holds this calendar of this account (R5), if any. */
export async function calendarHolder(db: Db, accountId: string, calendarId: string): Promise<string | null> {
  const [row] = await db
    .select({ bindingId: calendarClaims.bindingId })
    .from(calendarClaims)
    .where(and(eq(calendarClaims.accountId, accountId), eq(calendarClaims.calendarId, calendarId)));
  return row?.bindingId ?? null;
}

/** What an alert says about a binding: whose, which calendar, which provider and credential (no secret). */
export interface BindingDescription {
  bindingId: string;
  operatorId: string;
  eventTypeId: string;
  calendarName: string;
  provider: string;
  /** The operator signs in with the provider's company account. */
  companyAccount: boolean;
}

export async function describeBindings(db: Db, ids: string[]): Promise<Map<string, BindingDescription>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({
      bindingId: bindings.id,
      operatorId: bindings.operatorId,
      eventTypeId: bindings.eventTypeId,
      calendarName: bindings.calendarName,
      provider: operators.provider,
      companyAccount: operators.useConfigToken,
    })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .where(inArray(bindings.id, ids));
  return new Map(rows.map((row) => [row.bindingId, row]));
}
