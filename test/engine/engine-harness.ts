// A real database, the real supervisor and the memory calendar provider,
// registered like any provider. The operator uses the company account.
import { eq } from "drizzle-orm";
import pino from "pino";
import { expect } from "vitest";
import { ProviderRegistry } from "../../adapters/registry.js";
import type { ActorStateName as ActorState } from "../../db/enums.js";
import { bindingState, bindings, eventTypes, links, settings, tasks } from "../../db/schema.js";
import { SecretBox } from "../../db/secret-box.js";
import type { Action } from "../../engine/actions.js";
import type { EngineObserver } from "../../engine/engine-observer.js";
import { Supervisor } from "../../engine/supervisor.js";
import { openTestDatabase, type TestDatabase } from "../../testkit/database.js";
import { MemoryStore, memoryProvider } from "../../testkit/memory-provider/index.js";
import { seedCompanySettings, seedOperator } from "../../testkit/seed.js";

export interface EngineWorld {
  database: TestDatabase;
  memory: MemoryStore;
  supervisor: Supervisor;
  secrets: SecretBox;
  providers: ProviderRegistry;
  typeId: string;
  operatorId: string;
  bindingId: string;
  /** The memory account the default token maps to. */
  account: string;
  close(): Promise<void>;
  restartSupervisor(): Promise<void>;
  calendarId(): Promise<string>;
  addTask(values?: Partial<typeof tasks.$inferInsert>): Promise<typeof tasks.$inferSelect>;
  task(id: string): Promise<typeof tasks.$inferSelect>;
  waitForState(state: ActorState, bindingId?: string): Promise<void>;
  /** Waits until the actor is idle with nothing pending (a steady state). */
  settle(bindingId?: string): Promise<void>;
}

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export async function startEngineWorld(
  options: {
    display?: { fields: string[]; features: string[] };
    conflictPolicy?: string;
    pollIntervalSeconds?: number;
    /** Runs between each action's calendar write and its commit (see ExecutorEnv). */
    beforeCommit?: (action: Action) => void;
    /** Told what the engine does (metrics, alerts). */
    observer?: EngineObserver;
    /** Told when bindings queue for start slots and when that is over (SupervisorOptions). */
    startsCrowded?: (crowded: boolean) => void;
  } = {},
): Promise<EngineWorld> {
  const database = await openTestDatabase();
  const { db } = database;
  const secrets = new SecretBox("test-key");
  const store = new MemoryStore({ pageSize: 5 });
  const providers = new ProviderRegistry();
  providers.register(memoryProvider(store));
  await seedCompanySettings(db, providers, secrets, "memory", { defaultAccount: "company-account" });
  await db
    .update(settings)
    .set({
      pollIntervalSeconds: options.pollIntervalSeconds ?? 3600,
      conflictPolicy: options.conflictPolicy ?? "latest-wins",
      timeZone: "Europe/Warsaw",
    })
    .where(eq(settings.id, 1));
  const [type] = await db
    .insert(eventTypes)
    .values({ name: "Meeting", syncEnabled: true, display: options.display ?? { fields: ["number", "customer"], features: ["Budget"] } })
    .returning();
  const operator = await seedOperator(db, providers, secrets, { name: "Anna", provider: "memory", useConfigToken: true });
  const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "Anna – meetings" }).returning();

  const makeSupervisor = () =>
    new Supervisor({
      database,
      providers,
      secrets,
      logger: silentLogger,
      backoffBaseMs: 20,
      backoffMaxMs: 100,
      reconcileDelayMs: 10,
      beforeCommit: options.beforeCommit,
      observer: options.observer,
      startsCrowded: options.startsCrowded,
    });
  let supervisor = makeSupervisor();
  await supervisor.start();

  const world: EngineWorld = {
    database,
    memory: store,
    get supervisor() {
      return supervisor;
    },
    secrets,
    providers,
    typeId: type.id,
    operatorId: operator.id,
    bindingId: binding.id,
    account: "company-account",
    async close() {
      await supervisor.stop();
      await database.close();
    },
    async restartSupervisor() {
      await supervisor.stop();
      supervisor = makeSupervisor();
      await supervisor.start();
    },
    async calendarId() {
      let id: string | null = null;
      await expect
        .poll(async () => {
          [{ calendarId: id } = { calendarId: null }] = await db.select().from(bindingState).where(eq(bindingState.bindingId, binding.id));
          return id;
        })
        .not.toBeNull();
      return id!;
    },
    async addTask(values = {}) {
      const [row] = await db
        .insert(tasks)
        .values({
          eventTypeId: type.id,
          operatorId: operator.id,
          subject: "Oferta handlowa",
          customer: "ACME",
          startAt: new Date(Date.now() + 86_400_000),
          endAt: new Date(Date.now() + 90_000_000),
          features: { Budget: "10k" },
          ...values,
        })
        .returning();
      return row;
    },
    async task(id) {
      const [row] = await db.select().from(tasks).where(eq(tasks.id, id));
      return row;
    },
    async waitForState(state, bindingId = binding.id) {
      await expect.poll(() => supervisor.actorStatus(bindingId)?.state ?? null, { timeout: 10_000 }).toBe(state);
    },
    async settle(bindingId = binding.id) {
      // Idle, and every task's version reflected in its link.
      await expect
        .poll(
          async () => {
            const idle = supervisor.actorStatus(bindingId)?.idle ?? false;
            if (!idle) return false;
            const rows = await db
              .select({ v: tasks.version, s: links.syncedVersion })
              .from(links)
              .innerJoin(tasks, eq(tasks.id, links.taskId))
              .where(eq(links.bindingId, bindingId));
            return rows.every((r) => r.s >= r.v);
          },
          { timeout: 10_000 },
        )
        .toBe(true);
    },
  };
  return world;
}
