// The model-based test of the sync engine (fast-check): random sequences of
// CRM and calendar changes, moves, deletions, expired tokens, passing faults
// and crashes, run on a time budget against one calendar provider, each
// followed by the invariants. `npm test` runs it briefly; `npm run soak` long.
import fc from "fast-check";
import type { Database } from "../../db/database.js";
import { type ConflictPolicy, conflictPolicies } from "../../db/enums.js";
import { emptyDatabase } from "../database.js";
import { type FakeGoogle, startFakeGoogle } from "../fake-google/server.js";
import { type CalendarSide, googleSide, memorySide } from "./calendar-side.js";
import { checkInvariants } from "./invariants.js";
import { Model, operation } from "./operations.js";
import { ModelWorld } from "./world.js";

export interface SyncModelOptions {
  provider: "memory" | "google";
  database: Database;
  /** Stop starting new runs after this long. */
  seconds: number;
  seed?: number;
  /** A failure's path from an earlier report, to replay just it. */
  path?: string;
  maxOperations?: number;
  /** Shrink a failure to a smaller sequence (slow: every try is a whole run). */
  shrink?: boolean;
}

export interface SyncModelReport {
  provider: string;
  seed: number;
  runs: number;
  failed: boolean;
  /** The failing sequence and what broke, with the seed and path to replay it. */
  failure?: string;
}

export async function runSyncModel(options: SyncModelOptions): Promise<SyncModelReport> {
  const google: FakeGoogle | undefined =
    options.provider === "google" ? await startFakeGoogle({ quota: { limit: 1_000_000, windowMs: 60_000 } }) : undefined;
  let run = 0;
  const sideFor = (): CalendarSide => (google ? googleSide(google, run) : memorySide());
  // Whatever the policy, what one side changed alone must survive.
  const policy = fc.constantFrom<ConflictPolicy>(...conflictPolicies);
  const property = fc.asyncProperty(
    policy,
    fc.array(operation, { minLength: 1, maxLength: options.maxOperations ?? 30 }),
    async (conflictPolicy, operations) => {
      run++;
      await emptyDatabase(options.database);
      const world = new ModelWorld(options.database, sideFor());
      await world.setUp(conflictPolicy);
      const model = new Model(world);
      for (const op of operations) await model.apply(op);
      await world.settle();
      await checkInvariants(world, model);
    },
  );
  const seed = options.seed ?? Date.now() ^ (Math.random() * 0x7fffffff);
  try {
    const result = await fc.check(property, {
      seed,
      path: options.path,
      numRuns: options.path ? 1 : 1_000_000,
      interruptAfterTimeLimit: options.seconds * 1000,
      markInterruptAsFailure: false,
      endOnFailure: !options.shrink,
    });
    return {
      provider: options.provider,
      seed,
      runs: run,
      failed: result.failed,
      ...(result.failed
        ? {
            failure: [
              `seed ${seed}, path ${result.counterexamplePath}`,
              `policy ${result.counterexample?.[0]}, operations: ${JSON.stringify(result.counterexample?.[1])}`,
              `broke: ${result.errorInstance instanceof Error ? result.errorInstance.stack : String(result.errorInstance)}`,
            ].join("\n"),
          }
        : {}),
    };
  } finally {
    await emptyDatabase(options.database);
    await google?.close();
  }
}
