// POST /api/operators/{id}/test ("Test & Enable"): signs in with the
// operator's credential, then looks for each bound calendar by name, and says
// what it found or where it stopped. It creates nothing and changes no
// setting; it records what it learned of the credential, as actors do.
import type { Context } from "hono";
import { AuthRevoked, type CalendarAdapter } from "../adapters/types.js";
import { calendarHolder, operatorBindings } from "../db/queries/bindings.js";
import type { OperatorRow } from "../db/queries/operators.js";
import { providerSettingsOf } from "../db/queries/providers.js";
import { CredentialHealth } from "../engine/credential-health.js";
import { adapterFor, credentialOf, usesCompanyAccount } from "../engine/credentials.js";
import { describeFault } from "../engine/faults.js";
import type { AppEnv } from "./deps.js";

export interface TestStep {
  step: "credentials" | "sign-in" | "calendar";
  ok: boolean;
  message: string;
  /** sign-in: the account signed in as. */
  account?: string;
  /** calendar: the binding, its calendar's name, and the calendar's id when found. */
  bindingId?: string;
  calendarName?: string;
  calendarId?: string;
  found?: boolean;
}

export async function testConnection(c: Context<AppEnv>, operator: OperatorRow): Promise<{ ok: boolean; steps: TestStep[] }> {
  const { db, providers, secrets, logger } = c.var;
  const steps: TestStep[] = [];
  const done = () => ({ ok: steps.every((step) => step.ok), steps });
  const config = { operator, company: await providerSettingsOf(db, operator.provider) };
  const credential = credentialOf(config, providers);
  const health = new CredentialHealth(db);
  const record = (work: Promise<void>) => work.catch((error) => logger.warn({ err: error }, "could not record the credential's health"));

  let adapter: CalendarAdapter;
  try {
    adapter = adapterFor(config, providers, secrets, logger);
  } catch (error) {
    steps.push({ step: "credentials", ok: false, message: describeFault(error).message });
    return done();
  }
  const provider = providers.get(operator.provider)!.definition;
  steps.push({
    step: "credentials",
    ok: true,
    message: usesCompanyAccount(providers.get(operator.provider), operator)
      ? `signs in with the company's ${provider.displayName} account`
      : `signs in with the operator's own ${provider.displayName} account`,
  });

  let account: string;
  try {
    account = await adapter.accountId();
  } catch (error) {
    const fault = describeFault(error);
    if (error instanceof AuthRevoked) await record(health.refused(credential, fault));
    steps.push({ step: "sign-in", ok: false, message: fault.message });
    return done();
  }
  await record(health.signedIn(credential, account));
  steps.push({ step: "sign-in", ok: true, account, message: `signed in as ${account}` });

  for (const binding of await operatorBindings(db, operator.id)) {
    const about = { step: "calendar" as const, bindingId: binding.bindingId, calendarName: binding.calendarName };
    if (!adapter.findCalendar) {
      steps.push({
        ...about,
        ok: true,
        message: `${provider.displayName} cannot look for a calendar without making it: the first sync finds or makes it`,
      });
      continue;
    }
    try {
      const found = await adapter.findCalendar(binding.calendarName);
      if (!found) {
        steps.push({ ...about, ok: true, found: false, message: "not on the account yet: the first sync creates it" });
        continue;
      }
      const holder = await calendarHolder(db, account, found.id);
      if (found.writable === false) {
        steps.push({
          ...about,
          ok: false,
          found: true,
          calendarId: found.id,
          message: "the account may only read this calendar: give it write access, or bind a calendar it owns",
        });
      } else if (holder && holder !== binding.bindingId) {
        steps.push({
          ...about,
          ok: false,
          found: true,
          calendarId: found.id,
          message: `another binding (${holder}) on this account holds this calendar (R5): bind another name`,
        });
      } else {
        steps.push({ ...about, ok: true, found: true, calendarId: found.id, message: "found" });
      }
    } catch (error) {
      steps.push({ ...about, ok: false, message: describeFault(error).message });
    }
    if (!steps[steps.length - 1].ok) break;
  }
  return done();
}
