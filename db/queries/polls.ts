// A quiet poll (the calendar had no change) in one round trip: 10,000
// bindings polling every minute make this the service's most frequent
// statement, and each round trip costs the service more CPU than the work in
// it (on this kind of virtual machine a socket write is the largest single
// cost of an idle poll). Polls that end in the same turn of the event loop
// — a batch of listings answered together — share one statement.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState } from "../schema.js";
import type { BindingStateRow } from "./binding-state.js";
import { perDatabase } from "./prepared.js";
import { anyPendingPush } from "./pushes.js";

/** What the poll goes on with: the push channel's state (kept open after each pull). */
export type QuietPollState = Pick<BindingStateRow, "calendarId" | "watchChannelId" | "watchResourceId" | "watchExpiresAt" | "watchProven">;

export interface QuietPoll {
  binding: { id: string; operatorId: string; eventTypeId: string };
  calendarId: string;
  /** The token the listing was made with, and the one it gave. */
  syncToken: string;
  nextSyncToken: string;
  at: Date;
  window: { startDate: string; startInstant: Date };
}

export type QuietPollRecord = { state: QuietPollState; pushWaiting: boolean } | null;

const returned = {
  calendarId: bindingState.calendarId,
  watchChannelId: bindingState.watchChannelId,
  watchResourceId: bindingState.watchResourceId,
  watchExpiresAt: bindingState.watchExpiresAt,
  watchProven: bindingState.watchProven,
};

const one = perDatabase((db) =>
  db
    .update(bindingState)
    .set({
      syncToken: sql`${sql.placeholder("nextSyncToken")}`,
      lastSyncAt: sql`${sql.placeholder("at")}`,
      lastPullAt: sql`${sql.placeholder("at")}`,
      updatedAt: sql`${sql.placeholder("at")}`,
    })
    .where(
      and(
        eq(bindingState.bindingId, sql.placeholder("bindingId")),
        eq(bindingState.calendarId, sql.placeholder("calendarId")),
        eq(bindingState.syncToken, sql.placeholder("syncToken")),
      ),
    )
    .returning({
      ...returned,
      // A CRM change marked as waiting (push_pending_since), or anything pendingPushes would find.
      pushWaiting: sql`(${bindingState.pushPendingSince} is not null or ${anyPendingPush(db)})`.mapWith(Boolean),
    })
    .prepare("taskcal_quiet_poll"),
);

/** The same statement for many polls: their parameters arrive as one JSON array, so the statement's text never changes. */
const many = perDatabase((db) => {
  const polls = sql`jsonb_to_recordset(${sql.placeholder("polls")}::jsonb) as q(binding_id uuid, calendar_id text, sync_token text,
    next_sync_token text, at timestamptz, operator_id uuid, event_type_id uuid, start_date date, start_instant timestamptz)`;
  const q = (column: string) => sql.raw(`q.${column}`);
  return db
    .update(bindingState)
    .set({ syncToken: sql`${q("next_sync_token")}`, lastSyncAt: sql`${q("at")}`, lastPullAt: sql`${q("at")}`, updatedAt: sql`${q("at")}` })
    .from(polls)
    .where(
      and(eq(bindingState.bindingId, q("binding_id")), eq(bindingState.calendarId, q("calendar_id")), eq(bindingState.syncToken, q("sync_token"))),
    )
    .returning({
      bindingId: bindingState.bindingId,
      ...returned,
      pushWaiting: sql`(${bindingState.pushPendingSince} is not null or ${anyPendingPush(db, {
        bindingId: q("binding_id"),
        operatorId: q("operator_id"),
        eventTypeId: q("event_type_id"),
        startDate: q("start_date"),
        startInstant: q("start_instant"),
      })})`.mapWith(Boolean),
    })
    .prepare("taskcal_quiet_polls");
});

function parameters(poll: QuietPoll) {
  return {
    bindingId: poll.binding.id,
    operatorId: poll.binding.operatorId,
    eventTypeId: poll.binding.eventTypeId,
    calendarId: poll.calendarId,
    syncToken: poll.syncToken,
    nextSyncToken: poll.nextSyncToken,
    at: poll.at.toISOString(),
    startDate: poll.window.startDate,
    startInstant: poll.window.startInstant.toISOString(),
  };
}

async function recordOne(db: Db, poll: QuietPoll): Promise<QuietPollRecord> {
  const [row] = await one(db).execute(parameters(poll));
  if (!row) return null;
  const { pushWaiting, ...state } = row;
  return { state, pushWaiting };
}

interface Waiting {
  poll: QuietPoll;
  resolve: (record: QuietPollRecord) => void;
  reject: (error: unknown) => void;
}

const gathering = new WeakMap<Db, Waiting[]>();

async function flush(db: Db, waiting: Waiting[]): Promise<void> {
  if (waiting.length > 1) {
    const rows = await many(db)
      .execute({
        polls: JSON.stringify(
          waiting.map(({ poll }) => {
            const p = parameters(poll);
            return {
              binding_id: p.bindingId,
              calendar_id: p.calendarId,
              sync_token: p.syncToken,
              next_sync_token: p.nextSyncToken,
              at: p.at,
              operator_id: p.operatorId,
              event_type_id: p.eventTypeId,
              start_date: p.startDate,
              start_instant: p.startInstant,
            };
          }),
        ),
      })
      // One binding's refusal (a lease this replica lost) fails the statement for all: each then goes alone, below.
      .catch(() => null);
    if (rows) {
      const byBinding = new Map(rows.map(({ bindingId, pushWaiting, ...state }) => [bindingId, { state, pushWaiting }]));
      for (const { poll, resolve } of waiting) resolve(byBinding.get(poll.binding.id) ?? null);
      return;
    }
  }
  for (const { poll, resolve, reject } of waiting) recordOne(db, poll).then(resolve, reject);
}

/**
 * Records a listing that found nothing: the new sync token and the time,
 * provided the row still holds the calendar and token the listing was made
 * with (else null: something reset it meanwhile, and the caller starts over).
 * Also says whether a CRM change waits for the calendar (pushPendingSince, or
 * anything pendingPushes would find), for the caller to push it.
 */
export function recordQuietPoll(db: Db, poll: QuietPoll): Promise<QuietPollRecord> {
  return new Promise((resolve, reject) => {
    let waiting = gathering.get(db);
    if (!waiting) {
      gathering.set(db, (waiting = []));
      // Every poll that ends in this turn of the event loop joins the statement.
      setImmediate(() => {
        const batch = gathering.get(db) ?? [];
        gathering.delete(db);
        flush(db, batch).catch((error: unknown) => {
          for (const w of batch) w.reject(error);
        });
      });
    }
    waiting.push({ poll, resolve, reject });
  });
}
