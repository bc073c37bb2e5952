/** The Graph paths the fake serves, under /v1.0/ (a `users/{id | userPrincipalName}/` prefix is read as `me/`). */

export type RouteName =
  | "me.get"
  | "calendars.list"
  | "calendars.create"
  | "calendars.get"
  | "calendars.delete"
  | "events.list"
  | "events.create"
  | "events.get"
  | "events.update"
  | "events.delete"
  | "events.instances"
  | "calendarView.list"
  | "calendarView.delta"
  | "subscriptions.list"
  | "subscriptions.create"
  | "subscriptions.get"
  | "subscriptions.update"
  | "subscriptions.delete"
  | "subscriptions.reauthorize";

export interface Route {
  name: RouteName;
  /** A calendar id from the path; "default" for the /me/calendar and /me/events forms. */
  calendarId?: string;
  eventId?: string;
  subscriptionId?: string;
  /** Event writes, for the call log's write flag. */
  write: boolean;
}

const C = "(?:calendars/([^/]+)|calendar)";
const ROUTES: [string, RegExp, RouteName][] = [
  ["GET", /^me$/, "me.get"],
  ["GET", /^me\/calendars$/, "calendars.list"],
  ["POST", /^me\/calendars$/, "calendars.create"],
  ["GET", new RegExp(`^me/${C}$`), "calendars.get"],
  ["DELETE", /^me\/calendars\/([^/]+)$/, "calendars.delete"],
  ["GET", new RegExp(`^me/(?:${C}/)?events$`), "events.list"],
  ["POST", new RegExp(`^me/(?:${C}/)?events$`), "events.create"],
  ["GET", new RegExp(`^me/(?:${C}/)?events/([^/]+)$`), "events.get"],
  ["PATCH", new RegExp(`^me/(?:${C}/)?events/([^/]+)$`), "events.update"],
  ["DELETE", new RegExp(`^me/(?:${C}/)?events/([^/]+)$`), "events.delete"],
  ["GET", new RegExp(`^me/(?:${C}/)?events/([^/]+)/instances$`), "events.instances"],
  ["GET", new RegExp(`^me/(?:${C}/)?calendarView$`), "calendarView.list"],
  ["GET", new RegExp(`^me/(?:${C}/)?calendarView/delta(?:\\(\\))?$`), "calendarView.delta"],
  ["GET", /^subscriptions$/, "subscriptions.list"],
  ["POST", /^subscriptions$/, "subscriptions.create"],
  ["GET", /^subscriptions\/([^/]+)$/, "subscriptions.get"],
  ["PATCH", /^subscriptions\/([^/]+)$/, "subscriptions.update"],
  ["DELETE", /^subscriptions\/([^/]+)$/, "subscriptions.delete"],
  ["POST", /^subscriptions\/([^/]+)\/reauthorize$/, "subscriptions.reauthorize"],
];

const EVENT_WRITES: RouteName[] = ["events.create", "events.update", "events.delete"];

export function matchRoute(method: string, path: string): Route | undefined {
  for (const [routeMethod, pattern, name] of ROUTES) {
    const match = routeMethod === method ? pattern.exec(path) : null;
    if (!match) continue;
    const groups = match.slice(1).map((g) => (g === undefined ? undefined : decodeURIComponent(g)));
    const write = EVENT_WRITES.includes(name);
    if (name.startsWith("subscriptions.")) return { name, subscriptionId: groups[0], write };
    if (name === "me.get" || name === "calendars.list" || name === "calendars.create") return { name, write };
    // The calendar group matches only the calendars/{id} form; /me/calendar and /me/events mean the default calendar.
    const calendarId = groups[0] ?? "default";
    return { name, calendarId, eventId: groups[1], write };
  }
  return undefined;
}

/** `users/{id | upn}/…` → the mailbox it names and the `me/…` path. */
export function userPath(path: string): { user?: string; path: string } {
  const match = /^users\/([^/]+)(\/.*)?$/.exec(path);
  return match ? { user: decodeURIComponent(match[1]), path: `me${match[2] ?? ""}` } : { path };
}
