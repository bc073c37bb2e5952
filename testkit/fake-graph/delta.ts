import { randomBytes } from "node:crypto";
import { eventId } from "./event-view.js";
import { badRequest, GraphError, syncStateNotFound } from "./graph-errors.js";
import type { IdForm } from "./ids.js";
import type { Instance, MailboxState } from "./mailbox-state.js";

/**
 * calendarView delta ("event: delta", "Get incremental changes to events in a calendar view", "Use
 * delta query…"). A round starts with the window's full state (or, from a delta token, the changes
 * since the round that issued it), pages through `$skiptoken`s and ends with a `$deltatoken`.
 * Tokens carry the window, so a round keeps the window of its first request: an instance that left
 * it, changed or not, is reported `@removed` with reason `deleted`, and so (as the docs warn) is any
 * single event or deletion outside the window since the last round. The round's items are fixed at
 * its first page; changes made while paging wait for the next round.
 */

/** One row of a delta page: a changed instance, or the ids of one that is gone. */
export type DeltaItem = { instance: Instance } | { removed: Record<IdForm, string> };

interface Seen {
  version: string;
  ids: Record<IdForm, string>;
}

interface SyncState {
  owner: string;
  calendarId: string;
  from: number;
  to: number;
  /** The mailbox change sequence when the round that issued it began. */
  seq: number;
  seen: Map<string, Seen>;
}

interface Round {
  owner: string;
  calendarId: string;
  items: DeltaItem[];
  offset: number;
  next: SyncState;
}

export interface DeltaQuery {
  startDateTime?: number;
  endDateTime?: number;
  deltaToken?: string;
  skipToken?: string;
}

export interface DeltaPage {
  items: DeltaItem[];
  /** Present when the round goes on. */
  skipToken?: string;
  /** Present on a round's last page. */
  deltaToken?: string;
}

/** How an invalidated token answers: expired (410 syncStateNotFound) or reset (410 resyncRequired with a Location to start over). */
export type DeltaReset = "expired" | "reset";

export class DeltaRounds {
  private readonly states = new Map<string, SyncState>();
  private readonly rounds = new Map<string, Round>();
  private readonly resets = new Map<string, SyncState>();

  constructor(
    private readonly mailboxes: MailboxState,
    private readonly defaultPageSize: number,
  ) {}

  /** The next page for a request; `initialLink` is the first-request URL a reset sends the client back to. */
  page(
    owner: string,
    calendarId: string,
    query: DeltaQuery,
    pageSize: number | undefined,
    initialLink: (from: number, to: number) => string,
  ): DeltaPage {
    let round: Round;
    if (query.skipToken !== undefined) {
      const found = this.rounds.get(query.skipToken);
      if (!found || found.owner !== owner || found.calendarId !== calendarId) throw syncStateNotFound();
      this.rounds.delete(query.skipToken);
      round = found;
    } else if (query.deltaToken !== undefined) {
      const state = this.states.get(query.deltaToken);
      const reset = this.resets.get(query.deltaToken);
      if (reset) {
        throw new GraphError(410, "resyncRequired", "The delta token is no longer valid, and the app must reset the sync state.", {
          Location: initialLink(reset.from, reset.to),
        });
      }
      if (!state || state.owner !== owner || state.calendarId !== calendarId) throw syncStateNotFound();
      round = this.startRound(owner, calendarId, state.from, state.to, state);
    } else {
      if (query.startDateTime === undefined || query.endDateTime === undefined) {
        throw badRequest(
          "ErrorInvalidParameter",
          "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
      }
      round = this.startRound(owner, calendarId, query.startDateTime, query.endDateTime);
    }
    const size = Math.max(1, pageSize ?? this.defaultPageSize);
    const items = round.items.slice(round.offset, round.offset + size);
    round.offset += items.length;
    if (round.offset < round.items.length) {
      const skipToken = token();
      this.rounds.set(skipToken, round);
      return { items, skipToken };
    }
    const deltaToken = token();
    this.states.set(deltaToken, round.next);
    return { items, deltaToken };
  }

  /** Delta and skip tokens (of one calendar, or all) stop working. */
  invalidate(calendarId: string | undefined, reason: DeltaReset): void {
    for (const [key, state] of this.states) {
      if (calendarId !== undefined && state.calendarId !== calendarId) continue;
      this.states.delete(key);
      if (reason === "reset") this.resets.set(key, state);
    }
    for (const [key, round] of this.rounds) if (calendarId === undefined || round.calendarId === calendarId) this.rounds.delete(key);
  }

  private startRound(owner: string, calendarId: string, from: number, to: number, previous?: SyncState): Round {
    const seen = new Map<string, Seen>();
    const items: DeltaItem[] = [];
    for (const instance of this.mailboxes.instancesIn(calendarId, from, to)) {
      const key = instanceKey(instance);
      const entry: Seen = { version: instance.changeKey, ids: { rest: eventId(instance, "rest"), immutable: eventId(instance, "immutable") } };
      seen.set(key, entry);
      if (previous?.seen.get(key)?.version !== entry.version) items.push({ instance });
    }
    if (previous) {
      for (const [key, entry] of previous.seen) if (!seen.has(key)) items.push({ removed: entry.ids });
      const reported = (key: string) => seen.has(key) || previous.seen.has(key);
      // Outside the window, changes and deletions since the last round show as removals too.
      for (const event of this.mailboxes.eventsIn(calendarId)) {
        if (!event.series && event.seq > previous.seq && !reported(event.key)) items.push({ removed: { rest: event.restId, immutable: event.key } });
      }
      for (const tombstone of this.mailboxes.tombstones) {
        if (tombstone.calendarId === calendarId && tombstone.seq > previous.seq && !reported(tombstone.key)) {
          items.push({ removed: { rest: tombstone.restId, immutable: tombstone.key } });
        }
      }
    }
    return { owner, calendarId, items, offset: 0, next: { owner, calendarId, from, to, seq: this.mailboxes.seq, seen } };
  }
}

function instanceKey(instance: Instance): string {
  return instance.originalStart === undefined ? instance.event.key : `${instance.event.key}@${instance.originalStart}`;
}

const token = () => randomBytes(24).toString("base64url");
