// POST /api/operators/{id}/preview: what a first import of each of the
// operator's bindings would do, decided by the engine's own pure planner on
// what the calendar and the database hold now. It reads the calendar (signing
// in, finding it by name without creating it) and writes nothing.
import type { Context } from "hono";
import type { CalendarAdapter, CalendarEvent } from "../adapters/types.js";
import type { ConflictPolicy } from "../db/enums.js";
import { bindingConfig, operatorBindings } from "../db/queries/bindings.js";
import { linksByRemoteIds, linksByTaskIds } from "../db/queries/links.js";
import type { OperatorRow } from "../db/queries/operators.js";
import { providerSettingsOf } from "../db/queries/providers.js";
import { listTasks, type TaskRecord, tasksByIds, toTaskRecord } from "../db/queries/tasks.js";
import { adapterFor } from "../engine/credentials.js";
import { describeFault } from "../engine/faults.js";
import { type PlanContext, planPulled, planPush } from "../engine/planner.js";
import { TASK_ID_PROPERTY } from "../engine/task-model.js";
import { syncWindow } from "../engine/window.js";
import type { AppEnv } from "./deps.js";

export interface PreviewItem {
  taskId?: string;
  remoteId?: string;
  summary: string;
  start: string | null;
}

export interface BindingPreview {
  bindingId: string;
  calendarName: string;
  /** Whether the calendar exists on the account yet (null: the provider cannot look without making it). */
  calendarFound: boolean | null;
  tasksToEvents: PreviewItem[];
  eventsToTasks: PreviewItem[];
  matches: PreviewItem[];
  /** Why this binding could not be previewed (sign-in refused, calendar unreadable), else null. */
  error: string | null;
}

/** Enough to show: what a first import reads is capped, and the preview says so by its counts. */
const TASK_LIMIT = 5_000;

const startOf = (event: CalendarEvent) => {
  const start = event.start;
  if (!start) return null;
  return "dateTime" in start ? start.dateTime : start.date;
};
const taskStart = (task: TaskRecord) => (task.allDay ? task.startDate : (task.startAt?.toISOString() ?? null));

async function allEvents(adapter: CalendarAdapter, calendarId: string, windowStart: string): Promise<CalendarEvent[]> {
  const events: CalendarEvent[] = [];
  let pageToken: string | undefined;
  do {
    const page = await adapter.listChanges(calendarId, { windowStart, pageToken });
    events.push(...page.events);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return events;
}

export async function previewFirstImport(c: Context<AppEnv>, operator: OperatorRow): Promise<BindingPreview[]> {
  const { db, providers, secrets, logger } = c.var;
  const previews: BindingPreview[] = [];
  let adapter: CalendarAdapter | undefined;
  let accountId = "";
  let signInError: string | null = null;
  try {
    adapter = adapterFor({ operator, company: await providerSettingsOf(db, operator.provider) }, providers, secrets, logger);
    accountId = await adapter.accountId();
  } catch (error) {
    signInError = describeFault(error).message;
  }
  for (const binding of await operatorBindings(db, operator.id)) {
    const preview: BindingPreview = {
      bindingId: binding.bindingId,
      calendarName: binding.calendarName,
      calendarFound: null,
      tasksToEvents: [],
      eventsToTasks: [],
      matches: [],
      error: signInError,
    };
    previews.push(preview);
    const config = await bindingConfig(db, binding.bindingId);
    if (!config) continue;
    const window = syncWindow(new Date(), config.settings.monthsBack, config.settings.timeZone);
    const taskRows = await listTasks(db, { includeDeleted: false, operatorId: operator.id, eventTypeId: binding.eventTypeId, limit: TASK_LIMIT });
    const tasks = taskRows.map(toTaskRecord);
    const linked = await linksByTaskIds(
      db,
      binding.bindingId,
      tasks.map((task) => task.id),
    );
    let events: CalendarEvent[] = [];
    let calendarId = "";
    if (adapter && !signInError) {
      try {
        const found = adapter.findCalendar ? await adapter.findCalendar(binding.calendarName) : null;
        preview.calendarFound = adapter.findCalendar ? found !== null : null;
        if (found) {
          calendarId = found.id;
          events = await allEvents(adapter, found.id, window.startInstant.toISOString());
        }
      } catch (error) {
        preview.error = describeFault(error).message;
      }
    }
    const ctx: PlanContext = {
      operatorId: operator.id,
      eventTypeId: binding.eventTypeId,
      render: { display: config.eventType.display, operatorName: operator.name, timeZone: config.settings.timeZone },
      policy: config.settings.conflictPolicy as ConflictPolicy,
      window,
      accountId,
      provider: operator.provider,
      canMove: false,
      ownEventId: (taskId) => (adapter && calendarId ? adapter.eventIdForTask(taskId, calendarId) : taskId),
    };
    const eventLinks = await linksByRemoteIds(
      db,
      binding.bindingId,
      events.map((event) => event.id),
    );
    const named = await tasksByIds(
      db,
      events.flatMap((event) => event.privateProperties?.[TASK_ID_PROPERTY] ?? []),
    );
    const matched = new Set<string>();
    for (const event of events) {
      const link = eventLinks.get(event.id) ?? null;
      const taskId = link?.taskId ?? event.privateProperties?.[TASK_ID_PROPERTY];
      const task = (taskId ? named.get(taskId) : undefined) ?? tasks.find((candidate) => candidate.id === taskId) ?? null;
      const action = planPulled(event, link, task, ctx);
      const item = { remoteId: event.id, summary: event.summary ?? "", start: startOf(event) };
      if (action?.kind === "import") preview.eventsToTasks.push(item);
      else if (task && !link && action !== null && action.kind !== "delete") {
        matched.add(task.id);
        preview.matches.push({ ...item, taskId: task.id });
      }
    }
    for (const task of tasks) {
      if (matched.has(task.id)) continue;
      const action = planPush({ task, link: linked.get(task.id) ?? null, elsewhere: null, destination: null }, ctx);
      if (action?.kind === "create")
        preview.tasksToEvents.push({ taskId: task.id, summary: action.data.summary ?? task.subject, start: taskStart(task) });
    }
  }
  return previews;
}

/** The calendars on the operator's account, for picking a binding's calendar; `error` says why none could be listed. */
export async function accountCalendars(
  c: Context<AppEnv>,
  operator: OperatorRow,
): Promise<{ calendars: { id: string; name: string; writable: boolean | null }[]; error: string | null }> {
  const { db, providers, secrets, logger } = c.var;
  try {
    const adapter = adapterFor({ operator, company: await providerSettingsOf(db, operator.provider) }, providers, secrets, logger);
    if (!adapter.listCalendars) return { calendars: [], error: "this provider cannot list an account's calendars: type the calendar's name" };
    const calendars = await adapter.listCalendars();
    return { calendars: calendars.map((calendar) => ({ id: calendar.id, name: calendar.name, writable: calendar.writable ?? null })), error: null };
  } catch (error) {
    return { calendars: [], error: describeFault(error).message };
  }
}
