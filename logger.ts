// The process's pino logger. Secrets never reach a log line (R2): a value
// whose key is named like a secret (secret-names.ts) is censored at any depth
// and in any letter case, and a database error is logged as its summary
// (db/errors.ts), never with its query and parameters. pino's path-based
// `redact` cannot do either: it needs every path spelled out in advance.
import pino, { type DestinationStream, type Logger } from "pino";
import { summarizeDatabaseError } from "./db/errors.js";
import { isSecretName } from "./secret-names.js";

const CENSORED = "[redacted]";
/** Deeper than any line we log; what lies beyond is dropped rather than walked. */
const MAX_DEPTH = 16;

/** An error as a plain object to walk: pino's own form, or only the summary of a database error. */
function errorForLog(error: Error): object {
  const database = summarizeDatabaseError(error);
  return database ? { type: error.constructor.name, database } : pino.stdSerializers.err(error);
}

/**
 * `value` with secret-named entries censored. Copy on write: objects without
 * secrets come back as they are, and the caller's objects are never changed.
 * Only objects are walked, so a line of plain fields costs a key check each.
 */
function censor(value: unknown, ancestors: object[]): unknown {
  if (value === null || typeof value !== "object") return value;
  if (ancestors.includes(value)) return "[Circular]";
  if (ancestors.length >= MAX_DEPTH) return "[too deep]";
  // Dates, URLs, buffers and the like serialize by their own rules and hold no keys of ours.
  if (ArrayBuffer.isView(value) || typeof (value as { toJSON?: unknown }).toJSON === "function") return value;
  const source = value instanceof Error ? errorForLog(value) : value;
  ancestors.push(value);
  try {
    if (Array.isArray(source)) {
      let copy: unknown[] | undefined;
      source.forEach((item, i) => {
        const censored = censor(item, ancestors);
        if (censored !== item) (copy ??= [...source])[i] = censored;
      });
      return copy ?? source;
    }
    let copy: Record<string, unknown> | undefined = source === value ? undefined : { ...source };
    for (const [key, item] of Object.entries(source)) {
      // A flag such as passwordSet says nothing about the secret.
      const censored = isSecretName(key) && item !== null && item !== undefined && typeof item !== "boolean" ? CENSORED : censor(item, ancestors);
      if (censored !== item) (copy ??= { ...source })[key] = censored;
    }
    return copy ?? source;
  } finally {
    ancestors.pop();
  }
}

const censorObject = (object: Record<string, unknown>) => censor(object, []) as Record<string, unknown>;

/** The message pino takes from a logged error when none is given: a database error's would carry its query. */
function messageOf(error: Error): string {
  return summarizeDatabaseError(error)?.message ?? error.message;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      // pino applies `formatters.bindings` to the root's bindings only: children are censored in `child` below.
      formatters: { log: censorObject, bindings: censorObject },
      // Errors are already plain (and censored) objects by the time pino's err serializer would see them.
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          const [first] = args;
          const error = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
          if (args.length === 1 && error instanceof Error) return method.apply(this, [first as object, messageOf(error)]);
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
  // Children are made from their parent by Object.create, so they inherit this too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, censorObject(bindings), options);
  } as Logger["child"];
  return logger;
}
