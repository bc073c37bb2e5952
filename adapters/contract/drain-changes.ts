import { type CalendarAdapter, type CalendarEvent, type ChangeQuery, Permanent } from "../types.js";

export interface DrainedChanges {
  events: CalendarEvent[];
  deletedIds: string[];
  /** The token for the next incremental listing. */
  syncToken: string;
}

/**
 * Reads every page of one listing. An id seen twice keeps its last state, so a
 * later page's deletion wins over an earlier page's version and vice versa.
 */
export async function drainChanges(adapter: CalendarAdapter, calendarId: string, query: Omit<ChangeQuery, "pageToken">): Promise<DrainedChanges> {
  const latest = new Map<string, CalendarEvent | null>();
  let pageToken: string | undefined;
  for (;;) {
    const page = await adapter.listChanges(calendarId, { ...query, pageToken });
    for (const event of page.events) {
      latest.delete(event.id);
      latest.set(event.id, event);
    }
    for (const id of page.deletedIds) {
      latest.delete(id);
      latest.set(id, null);
    }
    if (page.nextPageToken) {
      pageToken = page.nextPageToken;
      continue;
    }
    if (!page.syncToken) throw new Permanent("the provider ended a listing without a sync token");
    const events: CalendarEvent[] = [];
    const deletedIds: string[] = [];
    for (const [id, event] of latest) {
      if (event) events.push(event);
      else deletedIds.push(id);
    }
    return { events, deletedIds, syncToken: page.syncToken };
  }
}
