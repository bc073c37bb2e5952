// R5 across operators: every operator with useConfigToken on a provider with
// a company account uses that one account, so they share its calendar names.
// Individual accounts may also be one account, but that is only knowable
// after authorization; the engine puts the later actor in `error` then.
import type { ProviderRegistry } from "../adapters/registry.js";
import { sharedAccountHolder } from "../db/queries/bindings.js";
import type { Tx } from "../db/queries/prepared.js";
import { ApiError } from "./errors.js";

export const sharesCompanyAccount = (providers: ProviderRegistry, operator: { provider: string; useConfigToken: boolean }) =>
  operator.useConfigToken && providers.get(operator.provider)?.definition.capabilities.companyAccount === true;

/** 409 when another operator on the same company account already binds one of `names`. */
export async function refuseSharedAccountClash(
  tx: Tx,
  operator: { id: string; provider: string },
  names: string[],
  pathOf: (name: string) => string,
) {
  const clash = await sharedAccountHolder(tx, operator.provider, operator.id, names);
  if (!clash) return;
  const why = `calendar ${JSON.stringify(clash.calendarName)} is already bound by operator ${clash.operator} (${clash.operatorId}) on the shared company account`;
  throw new ApiError("conflict", `${pathOf(clash.calendarName)}: ${why}`, [{ path: pathOf(clash.calendarName), message: why }]);
}
