// A real database, the real supervisor and the memory calendar provider.
// Google credentials map to memory accounts named by their refresh token.
import { eq } from "drizzle-orm";
import pino from "pino";
import { expect } from "vitest";
import { createMemoryAdapterFactory, type MemoryStore } from "../../adapters/memory";
import type { AdapterFactory } from "../../adapters/types";
import { bindings, bindingState, eventTypes, links, operators, settings, tasks } from "../../db/schema";
import { SecretBox } from "../../db/secret-box";
import type { ActorState } from "../../engine/binding-machine";
import { Supervisor } from "../../engine/supervisor";
import { openTestDatabase, type TestDatabase } from "../db/harness";

export interface EngineWorld {
  database: TestDatabase;
  memory: MemoryStore;
  supervisor: Supervisor;
  secrets: SecretBox;
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
  options: { display?: { fields: string[]; features: string[] }; conflictPolicy?: string; pollIntervalSeconds?: number } = {},
): Promise<EngineWorld> {
  const database = await openTestDatabase();
  const { db } = database;
  const secrets = new SecretBox("test-key");
  const { factory, store } = createMemoryAdapterFactory({ pageSize: 5 });
  const adapters: AdapterFactory = (credentials) =>
    factory(credentials.provider === "google" ? { provider: "memory", account: credentials.refreshToken } : credentials);
  await db
    .update(settings)
    .set({
      googleClientId: "client",
      googleClientSecretEnc: secrets.seal("secret"),
      defaultRefreshTokenEnc: secrets.seal("company-account"),
      pollIntervalSeconds: options.pollIntervalSeconds ?? 3600,
      conflictPolicy: options.conflictPolicy ?? "latest-wins",
      timeZone: "Europe/Warsaw",
    })
    .where(eq(settings.id, 1));
  const [type] = await db
    .insert(eventTypes)
    .values({ name: "Meeting", googleSync: true, display: options.display ?? { fields: ["number", "customer"], features: ["Budget"] } })
    .returning();
  const [operator] = await db.insert(operators).values({ name: "Anna", googleEnabled: true, useConfigToken: true }).returning();
  const [binding] = await db.insert(bindings).values({ operatorId: operator.id, eventTypeId: type.id, calendarName: "Anna – meetings" }).returning();

  const makeSupervisor = () =>
    new Supervisor({ database, adapters, secrets, logger: silentLogger, backoffBaseMs: 20, backoffMaxMs: 100, reconcileDelayMs: 10 });
  let supervisor = makeSupervisor();
  await supervisor.start();

  const world: EngineWorld = {
    database,
    memory: store,
    get supervisor() {
      return supervisor;
    },
    secrets,
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
      await expect.poll(async () => {
        [{ calendarId: id } = { calendarId: null }] = await db.select().from(bindingState).where(eq(bindingState.bindingId, binding.id));
        return id;
      }).not.toBeNull();
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
      await expect.poll(() => supervisor.stateOf(bindingId), { timeout: 10_000 }).toBe(state);
    },
    async settle(bindingId = binding.id) {
      // Idle, and every task's version reflected in its link.
      await expect
        .poll(
          async () => {
            const idle = supervisor.isIdle(bindingId);
            if (!idle) return false;
            const rows = await db.select({ v: tasks.version, s: links.syncedVersion }).from(links).innerJoin(tasks, eq(tasks.id, links.taskId)).where(eq(links.bindingId, bindingId));
            return rows.every((r) => r.s >= r.v);
          },
          { timeout: 10_000 },
        )
        .toBe(true);
    },
  };
  return world;
}
