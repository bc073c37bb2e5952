// The engine's view of a task and of the configuration that shapes its event.
import type { DisplayConfig } from "../db/schema";

export interface SyncTask {
  id: string;
  number: string;
  subject: string;
  description: string;
  location: string;
  customer: string;
  priority: string;
  status: string;
  allDay: boolean;
  /** Timed tasks: instants. */
  startAt: Date | null;
  endAt: Date | null;
  /** All-day tasks: YYYY-MM-DD, end inclusive. */
  startDate: string | null;
  endDate: string | null;
  timeZone: string | null;
  features: Record<string, string>;
  deleted: boolean;
  version: number;
  updatedAt: Date;
  operatorId: string;
  eventTypeId: string;
}

export interface RenderContext {
  display: DisplayConfig;
  operatorName: string;
  /** The settings' zone, for timed tasks without a zone of their own. */
  timeZone: string;
}

/** Task fields that the calendar may change (R10). */
export interface TaskEdit {
  subject: string;
  description: string;
  location?: string;
  allDay: boolean;
  startAt: Date | null;
  endAt: Date | null;
  startDate: string | null;
  endDate: string | null;
  timeZone: string | null;
}

/** The private property that names our task on an event. */
export const TASK_ID_PROPERTY = "taskcalTaskId";
