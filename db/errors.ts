// Database errors in a form safe to answer with or log. Drizzle wraps a
// driver's error as "Failed query: <sql>\nparams: <values>", PGlite hangs the
// query and its parameters on its own error as well, and PostgreSQL's message
// may quote a value ('date/time field value out of range: "…"'). Parameters
// are task texts, sealed secrets, personal data: none of it belongs in a log.

/** What a database error may say about itself. */
export interface DatabaseErrorSummary {
  /** SQLSTATE, e.g. 23505 for a unique violation. */
  code?: string;
  /** The constraint that was violated, when there is one. */
  constraint?: string;
  /** The driver's message, without the query text, and with parameter values cut out. */
  message: string;
}

/** The driver's error: both drivers put the SQLSTATE in `code` (postgres.js names the constraint constraint_name, PGlite constraint). */
export interface DriverError {
  code: string;
  constraint?: string;
  constraint_name?: string;
  message?: unknown;
}

interface QueryError {
  query: string;
  params: unknown[];
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** `error` and its causes, nearest first; bounded, so a cycle of causes cannot hang us. */
function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  for (let e = error; e !== null && typeof e === "object" && chain.length < 10 && !chain.includes(e); e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

const isDriverError = (e: object): e is DriverError => typeof (e as { code?: unknown }).code === "string" && SQLSTATE.test((e as DriverError).code);

const isQueryError = (e: object): e is QueryError =>
  typeof (e as { query?: unknown }).query === "string" && Array.isArray((e as { params?: unknown }).params);

/** The error carrying a SQLSTATE in `error`'s cause chain, if any. */
export function driverErrorOf(error: unknown): DriverError | undefined {
  return causeChain(error).find(isDriverError);
}

/** A summary of `error` when it is (or was caused by) a database error; undefined for anything else. */
export function summarizeDatabaseError(error: unknown): DatabaseErrorSummary | undefined {
  const chain = causeChain(error);
  const driver = chain.find(isDriverError);
  const query = chain.find(isQueryError);
  if (!driver && !query) return undefined;
  // The driver's message is one line; Drizzle's own starts with the query, so it is never used.
  let message = driver && typeof driver.message === "string" ? driver.message.split("\n")[0] : "the query failed";
  for (const param of chain.filter(isQueryError).flatMap((e) => e.params)) {
    // Short values (a 0, "t") would cut up the message for nothing: they cannot carry anything worth hiding.
    const value = typeof param === "string" ? param : param instanceof Date ? param.toISOString() : undefined;
    if (value && value.length >= 3) message = message.split(value).join("[parameter]");
  }
  const constraint = driver?.constraint ?? driver?.constraint_name;
  return { ...(driver ? { code: driver.code } : {}), ...(constraint ? { constraint } : {}), message };
}

/** SQLSTATE the fencing trigger raises (migration 0011): the writing replica no longer holds the binding's lease. */
const LEASE_LOST = "TCL01";

/** Whether `error` is the database refusing a write of a replica that lost the binding's lease. */
export function isLeaseLost(error: unknown): boolean {
  return driverErrorOf(error)?.code === LEASE_LOST;
}
