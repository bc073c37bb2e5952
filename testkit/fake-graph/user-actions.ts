import { type EventView, eventId, renderCalendar, renderEvent } from "./event-view.js";
import { GraphError } from "./graph-errors.js";
import type { MailboxState } from "./mailbox-state.js";

/** A calendar or event as Graph answers it (default ids, UTC, HTML bodies; events with all their extended properties). */
export type GraphResource = Record<string, unknown> & { id: string };

/** Acting as the mailbox owner in Outlook: no quota, no call log, but changes show in delta and notify subscriptions. */
export interface UserActions {
  createCalendar(email: string, name: string): GraphResource;
  deleteCalendar(email: string, calendarId: string): void;
  calendars(email: string): GraphResource[];
  defaultCalendar(email: string): GraphResource;
  /** Creates an event (a series when `recurrence` is given) as Graph's POST would. */
  createEvent(email: string, calendarId: string, event: Record<string, unknown>): GraphResource;
  /**
   * A meeting someone else organizes lands in the calendar (the attendee's copy: isOrganizer false,
   * responseStatus notResponded). Changes to it stay in this copy, as in Outlook.
   */
  receiveInvitation(email: string, calendarId: string, event: Record<string, unknown>, organizer: { name: string; address: string }): GraphResource;
  /** Changes an event, a series master or one occurrence (which becomes an exception), as Graph's PATCH would. */
  updateEvent(email: string, eventId: string, changes: Record<string, unknown>): GraphResource;
  /** Deletes an event, a series, or one occurrence. */
  deleteEvent(email: string, eventId: string): void;
  /** Outlook's "move to calendar": a new default id, the same immutable id. */
  moveEvent(email: string, eventId: string, calendarId: string): GraphResource;
  addAttendees(email: string, eventId: string, ...addresses: string[]): GraphResource;
  addCategories(email: string, eventId: string, ...categories: string[]): GraphResource;
  getEvent(email: string, eventId: string): GraphResource | null;
  /** Stored singles and series masters of a calendar. */
  events(email: string, calendarId: string): GraphResource[];
  /** The immutable id of an event, occurrence or exception. */
  immutableId(email: string, eventId: string): string;
}

export function userActions(state: MailboxState, organizer: (email: string) => { name: string; address: string }): UserActions {
  const userView = (email: string): EventView => ({ idForm: "rest", extended: "all", organizer: organizer(email) });
  const renderStored = (email: string, id: string) => {
    const { event, originalStart } = state.resolve(email, id);
    return renderEvent(state.instance(event, originalStart), userView(email)) as GraphResource;
  };
  const user: UserActions = {
    createCalendar: (email, name) => renderCalendar(state.createCalendar(email, { name }), organizer(email)) as GraphResource,
    deleteCalendar: (email, calendarId) => state.deleteCalendar(email, calendarId),
    calendars: (email) => state.calendarsOf(email).map((c) => renderCalendar(c, organizer(email)) as GraphResource),
    defaultCalendar: (email) => renderCalendar(state.calendar(email, state.account(email).defaultCalendarId), organizer(email)) as GraphResource,
    createEvent: (email, calendarId, event) => renderEvent(state.create(email, calendarId, event).instance, userView(email)) as GraphResource,
    receiveInvitation(email, calendarId, event, organizer) {
      const { instance } = state.create(email, calendarId, event, organizer);
      return renderEvent(instance, userView(email)) as GraphResource;
    },
    updateEvent: (email, id, changes) => renderEvent(state.update(email, id, changes), userView(email)) as GraphResource,
    deleteEvent: (email, id) => state.delete(email, id),
    moveEvent: (email, id, calendarId) => renderEvent(state.instance(state.move(email, id, calendarId)), userView(email)) as GraphResource,
    addAttendees(email, id, ...addresses) {
      const current = (renderStored(email, id).attendees as unknown[]) ?? [];
      const added = addresses.map((address) => ({ type: "required", emailAddress: { address, name: address } }));
      return user.updateEvent(email, id, { attendees: [...current, ...added] });
    },
    addCategories(email, id, ...categories) {
      const current = (renderStored(email, id).categories as string[]) ?? [];
      return user.updateEvent(email, id, { categories: [...current, ...categories] });
    },
    getEvent(email, id) {
      try {
        return renderStored(email, id);
      } catch (error) {
        if (error instanceof GraphError && error.status === 404) return null;
        throw error;
      }
    },
    events: (email, calendarId) =>
      state.eventsIn(state.calendar(email, calendarId).id).map((e) => renderEvent(state.instance(e), userView(email)) as GraphResource),
    immutableId(email, id) {
      const { event, originalStart } = state.resolve(email, id);
      return eventId(state.instance(event, originalStart), "immutable");
    },
  };

  return user;
}
