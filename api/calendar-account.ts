// R5 across operators: every Google operator with useConfigToken uses the
// settings' default token, so they share one account and its calendar names.
// Individual tokens may also share an account, but that is only knowable after
// authorization; the engine puts the later actor in `error` then.
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { bindings, operators } from "../db/schema";
import { ApiError } from "./errors";

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export const sharesDefaultAccount = (operator: { provider: string; useConfigToken: boolean }) =>
  operator.provider === "google" && operator.useConfigToken;

/** Serializes binding changes, so two requests cannot both pass the clash check. */
export async function lockBindings(tx: Tx) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('taskcal.bindings'))`);
}

/** 409 when another operator on the shared account already binds one of `names`. */
export async function refuseSharedAccountClash(tx: Tx, operatorId: string, names: string[], pathOf: (name: string) => string) {
  if (names.length === 0) return;
  const [clash] = await tx
    .select({ operator: operators.name, operatorId: operators.id, calendarName: bindings.calendarName })
    .from(bindings)
    .innerJoin(operators, eq(operators.id, bindings.operatorId))
    .where(
      and(
        ne(operators.id, operatorId),
        eq(operators.provider, "google"),
        eq(operators.useConfigToken, true),
        inArray(bindings.calendarName, names),
      ),
    )
    .limit(1);
  if (!clash) return;
  const why = `calendar ${JSON.stringify(clash.calendarName)} is already bound by operator ${clash.operator} (${clash.operatorId}) on the shared default-token account`;
  throw new ApiError("conflict", `${pathOf(clash.calendarName)}: ${why}`, [{ path: pathOf(clash.calendarName), message: why }]);
}
