/** The JSON resources of Calendar API v3, as far as the fake stores them. */

export interface GoogleEventTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface GoogleEvent {
  kind?: "calendar#event";
  id: string;
  etag?: string;
  status?: "confirmed" | "tentative" | "cancelled";
  summary?: string;
  description?: string;
  location?: string;
  start?: GoogleEventTime;
  end?: GoogleEventTime;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: GoogleEventTime;
  extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
  created?: string;
  updated?: string;
  iCalUID?: string;
  sequence?: number;
  [field: string]: unknown;
}

export interface GoogleCalendar {
  id: string;
  summary: string;
  timeZone: string;
  /** E-mail of the account that owns it. */
  owner: string;
}
