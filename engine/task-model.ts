// What shapes a task's event, besides the task itself.
import type { DisplayConfig } from "../db/schema.js";

export interface RenderContext {
  display: DisplayConfig;
  operatorName: string;
  /** The settings' zone, for timed tasks without a zone of their own. */
  timeZone: string;
}

/** The private property that names our task on an event. */
export const TASK_ID_PROPERTY = "taskcalTaskId";
