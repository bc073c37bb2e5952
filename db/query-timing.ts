// How long each statement takes, as the service waits for it (a pool
// connection included), measured where both drivers take Drizzle's queries:
// postgres.js's `unsafe` and PGlite's `query`, in and out of transactions.
// Neither driver has a hook for a statement's end, so their calls are wrapped.
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { Sql } from "postgres";

/** Told the seconds of every statement, and whether it failed. */
export type QueryObserver = (seconds: number, failed: boolean) => void;

function timed<T>(observe: QueryObserver, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return run().then(
    (value) => {
      observe((performance.now() - started) / 1000, false);
      return value;
    },
    (error) => {
      observe((performance.now() - started) / 1000, true);
      throw error;
    },
  );
}

type Queryable = Pick<PGlite | Transaction, "query">;

function timePgliteQueries(target: Queryable, observe: QueryObserver): void {
  const query = target.query.bind(target) as (...args: unknown[]) => Promise<unknown>;
  target.query = ((...args: unknown[]) => timed(observe, () => query(...args))) as Queryable["query"];
}

export function timePglite(client: PGlite, observe: QueryObserver): void {
  timePgliteQueries(client, observe);
  const transaction = client.transaction.bind(client);
  client.transaction = ((callback: (tx: Transaction) => Promise<unknown>) =>
    transaction((tx) => {
      timePgliteQueries(tx, observe);
      return callback(tx);
    })) as typeof client.transaction;
}

/**
 * postgres.js queries are lazy promises that run when awaited (after Drizzle
 * may have called `.values()` on them): the clock starts at `then`.
 */
function timePostgresQueries(sql: Sql, observe: QueryObserver): void {
  const unsafe = sql.unsafe.bind(sql);
  sql.unsafe = ((...args: Parameters<typeof unsafe>) => {
    const query = unsafe(...args);
    const then = query.then as (this: unknown) => Promise<unknown>;
    // biome-ignore lint/suspicious/noThenProperty: the query is a thenable already; this times its `then`
    (query as { then: unknown }).then = function (this: unknown, onDone?: (value: unknown) => unknown, onFailed?: (error: unknown) => unknown) {
      return timed(observe, () => then.call(this)).then(onDone, onFailed);
    };
    return query;
  }) as typeof unsafe;
}

export function timePostgres(client: Sql, observe: QueryObserver): void {
  timePostgresQueries(client, observe);
  const begin = client.begin.bind(client) as (...args: unknown[]) => Promise<unknown>;
  client.begin = ((...args: unknown[]) => {
    const callback = args.pop() as (sql: Sql) => unknown;
    return begin(...args, (sql: Sql) => {
      timePostgresQueries(sql, observe);
      return callback(sql);
    });
  }) as typeof client.begin;
}
