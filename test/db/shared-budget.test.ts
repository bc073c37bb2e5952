// The accounts' shared budgets (R17 for the cluster): reservations asked
// together go in one statement, and each still gets what it would have had
// alone: its share of its own account's window, never another's.
import { randomUUID } from "node:crypto";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reserveCalls, reserveCallsTogether } from "../../db/queries/quota.js";
import { sharedBudgets } from "../../engine/shared-budget.js";
import { backend, openTestDatabase, type TestDatabase } from "../../testkit/database.js";

/** Windows a day long: a test never straddles two. */
const DAY = 86_400;

describe(`reservations from the accounts' shared budgets (${backend})`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it("a batch answers each account in the order asked, up to its own limit, as reservations made one by one would", async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    // Account a has 8 of its 10 taken already in this window.
    await reserveCalls(database.db, a, 8, 10, DAY);
    const answers = await reserveCallsTogether(
      database.db,
      [
        { account: c, want: 4, limit: 10 },
        { account: a, want: 4, limit: 10 },
        { account: b, want: 3, limit: 2 },
      ],
      DAY,
    );
    expect(answers.map((r) => r.granted)).toEqual([4, 2, 2]);
    for (const r of answers) expect(r.windowLeftMs).toBeGreaterThan(0);
    // What the batch took counts: a is spent, c has 6 left.
    expect((await reserveCalls(database.db, a, 1, 10, DAY)).granted).toBe(0);
    expect((await reserveCalls(database.db, c, 10, 10, DAY)).granted).toBe(6);
  });

  it("one account asked twice in a batch is granted its limit once, not twice", async () => {
    const account = randomUUID();
    const answers = await reserveCallsTogether(
      database.db,
      [
        { account, want: 5, limit: 6 },
        { account, want: 5, limit: 6 },
      ],
      DAY,
    );
    expect(answers.reduce((sum, r) => sum + r.granted, 0)).toBe(6);
  });

  // Retried: a reservation made in the last milliseconds of a 5 s window lapses before it is taken.
  it("many accounts' budgets asking at once are each refilled, and take what they reserved", { retry: 2 }, async () => {
    const budgetFor = sharedBudgets(database.db, pino({ level: "silent" }));
    const budgets = Array.from({ length: 30 }, () => budgetFor(`account:${randomUUID()}`, () => 600));
    const refilled = budgets.map(
      (budget, i) =>
        new Promise<void>((resolve) => {
          budget.onRefill(resolve);
          // Reads gather; the last one asks for a write, which sends what was gathered with it.
          expect(budget.take(i === budgets.length - 1 ? "write" : "read")).toBe(false);
        }),
    );
    await Promise.all(refilled);
    // 600 a minute is 46 a window of 5 s, reserved a tenth at a time: 5 calls each.
    for (const budget of budgets) {
      const taken = Array.from({ length: 6 }, () => budget.take("read"));
      expect(taken).toEqual([true, true, true, true, true, false]);
    }
  });
});
