// Queries that run on every pass of every binding are prepared once per
// database: building a query's SQL costs more CPU than running it, and 10,000
// bindings poll all day.
import type { Db } from "../database.js";

export function perDatabase<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let value = built.get(db);
    if (value === undefined) built.set(db, (value = build(db)));
    return value;
  };
}

/** A transaction handle (Drizzle's `tx`), for queries that must run inside one. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
