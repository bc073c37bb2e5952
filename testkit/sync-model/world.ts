// The engine as the model test drives it: three bindings of one task type —
// Anna and Jan on the company account, Ola on an account of her own — each
// with its BindingSync run pass by pass (no timers), on a real database. A
// "crash" drops the process between a calendar write and its commit: every
// BindingSync is made anew and signs in again, as after a restart.
import { count, eq, sql } from "drizzle-orm";
import pino from "pino";
import { SyncTokenExpired } from "../../adapters/types.js";
import type { Database } from "../../db/database.js";
import type { ConflictPolicy } from "../../db/enums.js";
import { bindings, eventTypes, links, settings, tasks } from "../../db/schema.js";
import { SecretBox } from "../../db/secret-box.js";
import { BindingSync } from "../../engine/binding-sync.js";
import type { PassMode } from "../../engine/pass.js";
import { seedCompanySettings, seedOperator } from "../seed.js";
import type { CalendarSide } from "./calendar-side.js";

export const CALENDARS = ["Anna", "Jan", "Ola"] as const;
/** Which account each binding's calendar lives on. */
export const ACCOUNT_OF = [0, 0, 1] as const;

export class Crash extends Error {}

export interface ModelBinding {
  id: string;
  operatorId: string;
  name: string;
  account: 0 | 1;
}

const logger = pino({ level: "silent" });

export class ModelWorld {
  typeId = "";
  bindings: ModelBinding[] = [];
  private syncs: BindingSync[] = [];
  private crashArmed = false;
  private signedIn: boolean[] = [];
  readonly secrets = new SecretBox("model-key");

  constructor(
    readonly database: Database,
    readonly side: CalendarSide,
  ) {}

  get db() {
    return this.database.db;
  }

  async setUp(conflictPolicy: ConflictPolicy): Promise<void> {
    const { db, secrets, side } = this;
    await seedCompanySettings(db, side.providers, secrets, side.provider, side.company);
    await db
      .update(settings)
      .set({
        conflictPolicy,
        monthsBack: 3,
      })
      .where(eq(settings.id, 1));
    const [type] = await db
      .insert(eventTypes)
      .values({ name: "Meeting", syncEnabled: true, display: { fields: ["number"], features: [] } })
      .returning();
    this.typeId = type.id;
    for (const [i, name] of CALENDARS.entries()) {
      const own = ACCOUNT_OF[i] === 1;
      const operator = await seedOperator(db, side.providers, secrets, {
        name,
        provider: side.provider,
        useConfigToken: !own,
        account: own ? side.ownAccount : {},
      });
      const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: name }).returning();
      this.bindings.push({ id: binding.id, operatorId: operator.id, name, account: ACCOUNT_OF[i] });
    }
    this.restart();
    for (const b of this.bindings.keys()) await this.pass(b, "full");
  }

  /** As after a crash or a restart of the service: fresh in-memory state, the database as it is. */
  private restart(): void {
    this.syncs = this.bindings.map(
      (binding) =>
        new BindingSync({
          db: this.db,
          bindingId: binding.id,
          providers: this.side.providers,
          secrets: this.secrets,
          logger,
          beforeCommit: () => {
            if (!this.crashArmed) return;
            this.crashArmed = false;
            throw new Crash("the process died between the calendar write and the commit");
          },
        }),
    );
    this.signedIn = this.bindings.map(() => false);
  }

  /** The next action that writes to a calendar dies before its commit. */
  armCrash(): void {
    this.crashArmed = true;
  }

  calendarOf(binding: number): string | undefined {
    return this.side.calendarId(this.bindings[binding].account, this.bindings[binding].name);
  }

  /**
   * One pass of one binding, as its actor would run it: sign in first when
   * needed, a full import after an expired token. Passing faults are left to
   * a later pass (the backoff); a crash restarts the process. Returns whether
   * the pass asked for another.
   */
  async pass(binding: number, mode: PassMode): Promise<boolean> {
    const sync = this.syncs[binding];
    try {
      if (!this.signedIn[binding]) {
        const { hasSyncToken } = await sync.authorize();
        this.signedIn[binding] = true;
        if (!hasSyncToken) mode = "full";
      }
      return (await sync.sync(mode)).again;
    } catch (error) {
      if (error instanceof Crash) this.restart();
      else if (error instanceof SyncTokenExpired) return this.pass(binding, "full");
      return true;
    }
  }

  /** What the database holds of the sync: changes when any pass did something. */
  async fingerprint(): Promise<string> {
    const [versions] = await this.db.select({ sum: sql<string>`coalesce(sum(${tasks.version}), 0)::text`, n: count() }).from(tasks);
    const linked = await this.db.select({ etag: links.etag, synced: links.syncedVersion }).from(links).orderBy(links.taskId, links.bindingId);
    return JSON.stringify([versions, linked]);
  }

  /** Passes on every binding until a whole round changes nothing, in the calendars or the database. */
  async settle(maxRounds = 15): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      const writes = this.side.writes();
      const before = await this.fingerprint();
      let again = false;
      for (const b of this.bindings.keys()) again = (await this.pass(b, "changes")) || again;
      if (!again && this.side.writes() === writes && (await this.fingerprint()) === before) return;
    }
    throw new Error(`the engine did not settle within ${maxRounds} rounds of passes`);
  }
}
