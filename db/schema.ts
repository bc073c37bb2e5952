// The CRM's data and the engine's sync state. Triggers that keep versions,
// numbers and notifications live in the SQL migrations (db/migrations).
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

/** The single company settings record (R1); `id` is always 1. */
export const settings = pgTable("settings", {
  id: integer("id").primaryKey().default(1),
  monthsBack: integer("months_back").notNull().default(3),
  timeZone: text("time_zone").notNull().default("Europe/Warsaw"),
  conflictPolicy: text("conflict_policy").notNull().default("latest-wins"),
  pollIntervalSeconds: integer("poll_interval_seconds").notNull().default(60),
  /** Sealed under SECRET_KEY: tells at start whether the key is the one the stored secrets were sealed with. */
  secretCheck: text("secret_check"),
  updatedAt: updatedAt(),
});

/** An event's owned fields as stored on a link (links.shown); times as the provider wrote them. */
export interface ShownEvent {
  summary: string;
  description?: string;
  location?: string;
  start: { date: string } | { dateTime: string; timeZone?: string };
  end: { date: string } | { dateTime: string; timeZone?: string };
}

export interface DisplayConfig {
  fields: string[];
  features: string[];
}

/** Task types (R3). */
export const eventTypes = pgTable(
  "event_types",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    /** "googleSync" in the API (SPEC R3): the type is synchronized with calendars, whatever the provider. */
    syncEnabled: boolean("google_sync").notNull().default(false),
    display: jsonb("display").$type<DisplayConfig>().notNull().default({ fields: [], features: [] }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("event_types_name_key").on(t.name)],
);

/** Operators (R4), with their calendar account. */
export const operators = pgTable("operators", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  /** "googleEnabled" in the API (SPEC R4): synchronization on for this operator, whatever the provider. */
  syncEnabled: boolean("google_enabled").notNull().default(false),
  /** Use the provider's company account (SPEC R4's token from configuration) instead of the operator's own. */
  useConfigToken: boolean("use_config_token").notNull().default(false),
  /** The id of a registered provider (adapters/registry.ts); `google` by default (SPEC). */
  provider: text("provider").notNull().default("google"),
  /** The operator's account on that provider, as its account schema describes it, secrets left out. */
  account: jsonb("account").$type<Record<string, unknown>>().notNull().default({}),
  /** The account's secret fields, each sealed (db/secret-box.ts). */
  accountSecrets: jsonb("account_secrets").$type<Record<string, string>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** A provider's company-level settings (an app registration, a tenant, a pace), by provider id. */
export const providerSettings = pgTable("provider_settings", {
  id: text("id").primaryKey(),
  settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
  /** Secret fields, each sealed. */
  secrets: jsonb("secrets").$type<Record<string, string>>().notNull().default({}),
  updatedAt: updatedAt(),
});

/** An operator's task type bound to a calendar name (R5). */
export const bindings = pgTable(
  "bindings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id, { onDelete: "cascade" }),
    eventTypeId: uuid("event_type_id")
      .notNull()
      .references(() => eventTypes.id),
    calendarName: text("calendar_name").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("bindings_operator_type_key").on(t.operatorId, t.eventTypeId)],
);

/** Per-binding sync state, written by its actor as it changes. */
export const bindingState = pgTable(
  "binding_state",
  {
    bindingId: uuid("binding_id")
      .primaryKey()
      .references(() => bindings.id, { onDelete: "cascade" }),
    state: text("state").notNull().default("authorizing"),
    paused: boolean("paused").notNull().default(false),
    accountId: text("account_id"),
    calendarId: text("calendar_id"),
    syncToken: text("sync_token"),
    lastSyncAt: timestamp("last_sync_at", { withTimezone: true }),
    lastErrorCode: text("last_error_code"),
    lastErrorMessage: text("last_error_message"),
    lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
    pushed: integer("pushed").notNull().default(0),
    pulled: integer("pulled").notNull().default(0),
    conflicts: integer("conflicts").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    watchChannelId: text("watch_channel_id"),
    watchResourceId: text("watch_resource_id"),
    watchExpiresAt: timestamp("watch_expires_at", { withTimezone: true }),
    /** A verified notice arrived on the channel: its address reaches us, so polling can be a rare backstop (R17). */
    watchProven: boolean("watch_proven").notNull().default(false),
    /** When the last pulling pass ended well: the pull lag is the time since (migration 0009). */
    lastPullAt: timestamp("last_pull_at", { withTimezone: true }),
    /**
     * Since when a CRM change has waited for the calendar; null when none waits. Set by the tasks_pending
     * trigger on any task write, settled by the engine after each pass (db/queries/lag.ts).
     */
    pushPendingSince: timestamp("push_pending_since", { withTimezone: true }).defaultNow(),
    /** How far a running full import is (`reading` events, `writing` tasks); null outside one. */
    progressPhase: text("progress_phase"),
    progressDone: integer("progress_done"),
    /** Null where the provider gives no count. */
    progressTotal: integer("progress_total"),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("binding_state_watch_channel_key").on(t.watchChannelId)],
);

/** Per-year task number counter: the row lock makes concurrent inserts safe. */
export const taskCounters = pgTable("task_counters", {
  year: integer("year").primaryKey(),
  last: integer("last").notNull(),
});

/** CRM tasks (R7). Timed tasks use start_at/end_at, all-day ones start_date/end_date (end inclusive). */
export const tasks = pgTable(
  "tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** `N/YYYY`, assigned by the database on insert (the default is replaced by a trigger). */
    number: text("number").notNull().default(""),
    eventTypeId: uuid("event_type_id")
      .notNull()
      .references(() => eventTypes.id),
    operatorId: uuid("operator_id")
      .notNull()
      .references(() => operators.id),
    subject: text("subject").notNull(),
    description: text("description").notNull().default(""),
    location: text("location").notNull().default(""),
    customer: text("customer").notNull().default(""),
    priority: text("priority").notNull().default("normal"),
    status: text("status").notNull().default("open"),
    allDay: boolean("all_day").notNull().default(false),
    startAt: timestamp("start_at", { withTimezone: true }),
    endAt: timestamp("end_at", { withTimezone: true }),
    startDate: date("start_date"),
    endDate: date("end_date"),
    timeZone: text("time_zone"),
    features: jsonb("features").$type<Record<string, string>>().notNull().default({}),
    deleted: boolean("deleted").notNull().default(false),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    version: bigint("version", { mode: "number" }).notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("tasks_number_key").on(t.number),
    index("tasks_operator_type_idx").on(t.operatorId, t.eventTypeId),
    index("tasks_updated_idx").on(t.updatedAt, t.id),
    /** The retention job finds old tombstones by it (migration 0009). */
    index("tasks_tombstone_idx").on(t.deletedAt).where(sql`${t.deleted}`),
  ],
);

/** One task's event in one binding's calendar. */
export const links = pgTable(
  "links",
  {
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    bindingId: uuid("binding_id")
      .notNull()
      .references(() => bindings.id, { onDelete: "cascade" }),
    calendarId: text("calendar_id").notNull(),
    remoteId: text("remote_id").notNull(),
    etag: text("etag"),
    /** The task version the calendar reflects; a newer version is a CRM change to push. */
    syncedVersion: bigint("synced_version", { mode: "number" }).notNull(),
    remoteUpdated: text("remote_updated"),
    /**
     * The event as the calendar last showed it (the provider's opaque
     * resource, refreshed by every pull and every write answer): an update is
     * written over it, so what people added there survives (R18).
     */
    resource: jsonb("resource").$type<unknown>(),
    /**
     * The fields taskcal owns as the calendar last showed them (summary,
     * description, location, start, end): the common ancestor of a three-way
     * merge, so a change on each side to different fields keeps both.
     */
    shown: jsonb("shown").$type<ShownEvent>(),
    /** The provider does not let us change this event (Google's events from Gmail): CRM edits stay in the CRM. */
    readOnly: boolean("read_only").notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.bindingId] }), uniqueIndex("links_binding_remote_key").on(t.bindingId, t.remoteId)],
);

/** What each binding did, newest read first. */
/** Each actor's state changes, newest last (the console's actor page, GET /api/actors/{id}/state-changes). */
export const actorStateChanges = pgTable(
  "actor_state_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    bindingId: uuid("binding_id")
      .notNull()
      .references(() => bindings.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
    fromState: text("from_state"),
    toState: text("to_state").notNull(),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
  },
  (t) => [index("actor_state_changes_binding_idx").on(t.bindingId, t.id)],
);

export const journal = pgTable(
  "journal",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    bindingId: uuid("binding_id")
      .notNull()
      .references(() => bindings.id, { onDelete: "cascade" }),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
    direction: text("direction").notNull(),
    action: text("action").notNull(),
    taskId: uuid("task_id"),
    remoteId: text("remote_id"),
    outcome: text("outcome").notNull(),
    detail: text("detail"),
  },
  (t) => [index("journal_binding_idx").on(t.bindingId, t.id)],
);

/**
 * Items one binding could not sync (R20): a task the calendar refused, an
 * event that cannot become a task. The pass goes on without them; a task is
 * tried again when it changes (a newer version than `taskVersion`), an event
 * when the calendar lists it again, both on restart and retry-failures.
 */
export const syncFailures = pgTable(
  "sync_failures",
  {
    bindingId: uuid("binding_id")
      .notNull()
      .references(() => bindings.id, { onDelete: "cascade" }),
    /** `task:<id>` or `event:<remote id>`: one entry per item. */
    item: text("item").notNull(),
    taskId: uuid("task_id"),
    remoteId: text("remote_id"),
    direction: text("direction").notNull(),
    code: text("code").notNull(),
    message: text("message").notNull(),
    taskVersion: bigint("task_version", { mode: "number" }),
    attempts: integer("attempts").notNull().default(1),
    firstAt: timestamp("first_at", { withTimezone: true }).notNull().defaultNow(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    /** Set when the item synced after all; kept a while for the record, then purged. */
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.bindingId, t.item] })],
);

/**
 * R5: which binding holds a calendar of an account. The primary key makes
 * the claim atomic: of two bindings authorizing at the same moment, one
 * inserts and the other finds the calendar taken.
 */
export const calendarClaims = pgTable(
  "calendar_claims",
  {
    accountId: text("account_id").notNull(),
    calendarId: text("calendar_id").notNull(),
    bindingId: uuid("binding_id")
      .notNull()
      .references(() => bindings.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.calendarId] }), uniqueIndex("calendar_claims_binding_key").on(t.bindingId)],
);

/** Configuration changes made through the API, secrets masked (GET /api/audit). Migration 0004. */
export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  /** Which bearer token made the change: `admin` (the read-only one cannot write). */
  tokenKind: text("token_kind").notNull(),
  method: text("method").notNull(),
  path: text("path").notNull(),
  /** `settings`, `event-type`, `operator` or `bindings`. */
  resource: text("resource").notNull(),
  resourceId: text("resource_id"),
  /** The fields written, secrets as "***"; null when nothing but the resource's existence changed. */
  change: jsonb("change").$type<Record<string, unknown>>(),
});

/** Sign-in sessions (POST /session, migration 0008): the cookie's token only as its SHA-256 digest. */
export const sessions = pgTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    /** `admin` or `readonly`: what the token signed in with may do. */
    kind: text("kind").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * A consent flow in progress (GET /oauth/{provider}/start, then its
 * callback): taken once, within ten minutes, by whichever replica the
 * browser comes back to. The state and the browser's cookie only as digests,
 * the PKCE verifier sealed.
 */
export const oauthStates = pgTable(
  "oauth_states",
  {
    stateHash: text("state_hash").primaryKey(),
    provider: text("provider").notNull(),
    /** `company` or `operator`: where the refresh token goes. */
    target: text("target").notNull(),
    operatorId: uuid("operator_id").references(() => operators.id, { onDelete: "cascade" }),
    verifier: text("verifier").notNull(),
    browserHash: text("browser_hash").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    /** Who started it, for the audit entry the callback writes. */
    tokenKind: text("token_kind").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("oauth_states_expires_idx").on(t.expiresAt)],
);

/**
 * What is known of each credential: `company:<provider>` or
 * `operator:<id>`. The fingerprint is a digest of the credential as stored:
 * a replaced one (a new token) does not inherit the old one's health.
 */
export const credentialHealth = pgTable("credential_health", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull(),
  operatorId: uuid("operator_id").references(() => operators.id, { onDelete: "cascade" }),
  fingerprint: text("fingerprint").notNull(),
  /** The account identity (an e-mail, a principal URL) as the provider reported it. */
  account: text("account"),
  /** The last time the credential was seen to work: a sign-in, a token refresh, a pass. */
  lastOkAt: timestamp("last_ok_at", { withTimezone: true }),
  lastErrorCode: text("last_error_code"),
  lastErrorMessage: text("last_error_message"),
  lastErrorAt: timestamp("last_error_at", { withTimezone: true }),
  updatedAt: updatedAt(),
});

/** Each running replica (process) of the service, with its heartbeat: live ones share the bindings (migration 0011). */
export const replicas = pgTable("replicas", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Which replica runs a binding's actor, until when. `epoch` grows at every
 * claim; the engine's writes for the binding are refused by a trigger unless
 * the lease is the writing replica's and unexpired (fencing, migration 0011).
 */
export const bindingLeases = pgTable(
  "binding_leases",
  {
    bindingId: uuid("binding_id")
      .primaryKey()
      .references(() => bindings.id, { onDelete: "cascade" }),
    owner: uuid("owner"),
    epoch: bigint("epoch", { mode: "number" }).notNull().default(0),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("binding_leases_owner_idx").on(t.owner)],
);

/** Calls granted per account (a digest of the pacer's key) and short window, across replicas (migration 0011). */
export const callBudgets = pgTable(
  "call_budgets",
  {
    account: text("account").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    granted: integer("granted").notNull().default(0),
  },
  (t) => [primaryKey({ name: "call_budgets_pkey", columns: [t.account, t.windowStart] })],
);
