// A quiet poll (the calendar had no change) in one round trip: 10,000
// bindings polling every minute make this the service's most frequent
// statement, and each round trip costs the service more CPU than the work in it.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../database.js";
import { bindingState } from "../schema.js";
import type { BindingStateRow } from "./binding-state.js";
import { perDatabase } from "./prepared.js";
import { anyPendingPush } from "./pushes.js";

const quietPoll = perDatabase((db) =>
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
      calendarId: bindingState.calendarId,
      watchChannelId: bindingState.watchChannelId,
      watchResourceId: bindingState.watchResourceId,
      watchExpiresAt: bindingState.watchExpiresAt,
      watchProven: bindingState.watchProven,
      // A CRM change marked as waiting (push_pending_since), or anything pendingPushes would find.
      pushWaiting: sql`(${bindingState.pushPendingSince} is not null or ${anyPendingPush(db)})`.mapWith(Boolean),
    })
    .prepare("taskcal_quiet_poll"),
);

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

/**
 * Records a listing that found nothing: the new sync token and the time,
 * provided the row still holds the calendar and token the listing was made
 * with (else null: something reset it meanwhile, and the caller starts over).
 * Also says whether a CRM change waits for the calendar (pushPendingSince, or
 * anything pendingPushes would find), for the caller to push it.
 */
export async function recordQuietPoll(db: Db, poll: QuietPoll): Promise<{ state: QuietPollState; pushWaiting: boolean } | null> {
  const [row] = await quietPoll(db).execute({
    bindingId: poll.binding.id,
    operatorId: poll.binding.operatorId,
    eventTypeId: poll.binding.eventTypeId,
    calendarId: poll.calendarId,
    syncToken: poll.syncToken,
    nextSyncToken: poll.nextSyncToken,
    at: poll.at.toISOString(),
    startDate: poll.window.startDate,
    startInstant: poll.window.startInstant.toISOString(),
  });
  if (!row) return null;
  const { pushWaiting, ...state } = row;
  return { state, pushWaiting };
}
