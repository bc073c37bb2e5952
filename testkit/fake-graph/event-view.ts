import { bodyPreview, renderAttendees, renderBody } from "./event-fields.js";
import { type IdForm, occurrenceId } from "./ids.js";
import type { CalendarRecord, Instance } from "./mailbox-state.js";
import { formatTimestamp, formatWallClock, ianaZone } from "./time-zones.js";

/** How one request wants events shown: its Prefer headers and OData options. */
export interface EventView {
  /** `Prefer: IdType="ImmutableId"` → immutable ids. */
  idForm: IdForm;
  /** `Prefer: outlook.timezone`; answers are in UTC without it ("Get event"). */
  timeZone?: string;
  /** `Prefer: outlook.body-content-type`; HTML without it. */
  bodyType?: "text" | "html";
  /** `$expand=singleValueExtendedProperties($filter=id eq '…')`: the ids asked for, or "all" for an unfiltered expand. */
  extended?: string[] | "all";
  /** `$select`: the properties asked for (id and @odata.etag always come). */
  select?: string[];
  organizer: { name: string; address: string };
}

export function eventId(instance: Instance, form: IdForm): string {
  const masterId = form === "immutable" ? instance.event.key : instance.event.restId;
  return instance.originalStart === undefined ? masterId : occurrenceId(form, masterId, instance.originalStart);
}

export function renderEvent(instance: Instance, view: EventView): Record<string, unknown> {
  const { event, fields } = instance;
  const zoneName = view.timeZone ?? "UTC";
  const zone = ianaZone(zoneName);
  const isAllDay = fields.isAllDay === true;
  // All-day events read midnight to midnight whatever zone is asked for.
  const time = (t: Instance["start"]) => ({ dateTime: formatWallClock(isAllDay ? t : t.setZone(zone)), timeZone: zoneName });
  const id = eventId(instance, view.idForm);
  const inSeries = instance.originalStart !== undefined;
  const full: Record<string, unknown> = {
    "@odata.etag": `W/"${instance.changeKey}"`,
    id,
    createdDateTime: formatTimestamp(event.created),
    lastModifiedDateTime: formatTimestamp(instance.modified),
    changeKey: instance.changeKey,
    categories: fields.categories,
    transactionId: fields.transactionId ?? null,
    originalStartTimeZone: (fields.start as { timeZone: string }).timeZone,
    originalEndTimeZone: (fields.end as { timeZone: string }).timeZone,
    iCalUId: inSeries ? `${event.iCalUId.slice(0, -16)}${instance.originalStart!.toString(16).toUpperCase().padStart(16, "0")}` : event.iCalUId,
    reminderMinutesBeforeStart: fields.reminderMinutesBeforeStart,
    isReminderOn: fields.isReminderOn,
    hasAttachments: false,
    subject: fields.subject,
    bodyPreview: bodyPreview(fields.body),
    importance: fields.importance,
    sensitivity: fields.sensitivity,
    isAllDay,
    isCancelled: false,
    isOrganizer: !event.invitedBy,
    responseRequested: fields.responseRequested,
    seriesMasterId: inSeries ? eventId({ ...instance, originalStart: undefined }, view.idForm) : null,
    showAs: fields.showAs,
    type: instance.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: fields.isOnlineMeeting,
    onlineMeetingProvider: fields.onlineMeetingProvider,
    allowNewTimeProposals: fields.allowNewTimeProposals,
    isDraft: false,
    hideAttendees: fields.hideAttendees,
    responseStatus: { response: event.invitedBy ? "notResponded" : "organizer", time: "0001-01-01T00:00:00Z" },
    body: renderBody(fields.body, view.bodyType),
    start: time(instance.start),
    end: time(instance.end),
    ...(inSeries ? { originalStart: new Date(instance.originalStart!).toISOString().replace(".000Z", "Z") } : {}),
    location: fields.location,
    locations: fields.locations,
    recurrence: instance.type === "seriesMaster" ? event.series!.recurrence : null,
    attendees: renderAttendees(fields.attendees),
    organizer: { emailAddress: event.invitedBy ?? view.organizer },
    onlineMeeting: null,
  };
  const shown = view.select
    ? Object.fromEntries(Object.entries(full).filter(([name]) => ["@odata.etag", "id", ...view.select!].includes(name)))
    : full;
  const extended = matchingExtended(instance.extended, view.extended);
  return extended.length ? { ...shown, singleValueExtendedProperties: extended } : shown;
}

/** Extended property ids compare without regard to case except for the name ("Get singleValueLegacyExtendedProperty"). */
function sameExtendedId(a: string, b: string): boolean {
  const split = (id: string) => {
    const at = id.search(/ name /i);
    return at < 0 ? [id.toLowerCase(), ""] : [id.slice(0, at).toLowerCase(), id.slice(at + 6)];
  };
  const [prefixA, nameA] = split(a);
  const [prefixB, nameB] = split(b);
  return prefixA === prefixB && nameA === nameB;
}

function matchingExtended(stored: Map<string, string>, wanted: EventView["extended"]): { id: string; value: string }[] {
  if (!wanted) return [];
  return [...stored].filter(([id]) => wanted === "all" || wanted.some((w) => sameExtendedId(w, id))).map(([id, value]) => ({ id, value }));
}

export function hasExtended(stored: Map<string, string>, id: string, value?: string): boolean {
  return [...stored].some(
    ([storedId, storedValue]) => sameExtendedId(storedId, id) && (value === undefined || storedValue.toLowerCase() === value.toLowerCase()),
  );
}

export function renderCalendar(calendar: CalendarRecord, owner: { name: string; address: string }): Record<string, unknown> {
  return {
    id: calendar.id,
    name: calendar.name,
    color: calendar.color,
    hexColor: "",
    isDefaultCalendar: calendar.isDefault,
    changeKey: calendar.changeKey,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ["teamsForBusiness"],
    defaultOnlineMeetingProvider: "teamsForBusiness",
    isTallyingResponses: true,
    isRemovable: !calendar.isDefault,
    owner,
  };
}
