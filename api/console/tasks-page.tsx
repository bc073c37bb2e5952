// The tasks: searchable and paged, per operator and type, with the calendar
// event each one is linked to.
import type { EventTypeAnswer, OperatorAnswer, TaskAnswer } from "./answers.js";
import { Field } from "./layout.js";
import type { Viewer } from "./viewer.js";

export interface TaskFilter {
  operatorId?: string;
  eventTypeId?: string;
  q?: string;
  cursor?: string;
}

export function TasksPage(props: {
  viewer: Viewer;
  tasks: TaskAnswer[];
  nextCursor?: string;
  filter: TaskFilter;
  operators: OperatorAnswer[];
  types: EventTypeAnswer[];
  linked: Map<string, { remoteId: string; calendarName: string }>;
  error?: string;
}) {
  const { viewer, filter } = props;
  const { t } = viewer;
  const operators = new Map(props.operators.map((o) => [o.id, o.name]));
  const types = new Map(props.types.map((type) => [type.id, type.name]));
  const href = (cursor?: string) => {
    const query = new URLSearchParams();
    for (const key of ["operatorId", "eventTypeId", "q"] as const) if (filter[key]) query.set(key, filter[key]!);
    if (cursor) query.set("cursor", cursor);
    return `/tasks?${query}`;
  };
  return (
    <>
      <form method="get" action="/tasks" class="controls" aria-label={t.search}>
        <Field name="operatorId" label={t.operator}>
          <select name="operatorId" id="f-operatorId">
            <option value="">{t.any}</option>
            {props.operators.map((operator) => (
              <option value={operator.id} selected={filter.operatorId === operator.id}>
                {operator.name}
              </option>
            ))}
          </select>
        </Field>
        <Field name="eventTypeId" label={t.type}>
          <select name="eventTypeId" id="f-eventTypeId">
            <option value="">{t.any}</option>
            {props.types.map((type) => (
              <option value={type.id} selected={filter.eventTypeId === type.id}>
                {type.name}
              </option>
            ))}
          </select>
        </Field>
        <Field name="q" label={t.search}>
          <input type="search" name="q" id="f-q" value={filter.q ?? ""} />
        </Field>
        <div class="field">
          <button type="submit">{t.search}</button>
        </div>
      </form>
      {props.error && (
        <p class="bad" role="alert">
          {props.error}
        </p>
      )}
      <div id="task-list" data-live="">
        {props.tasks.length === 0 ? (
          <p>{t.empty}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t.number}</th>
                  <th scope="col">{t.subject}</th>
                  <th scope="col">{t.operator}</th>
                  <th scope="col">{t.type}</th>
                  <th scope="col">{t.start}</th>
                  <th scope="col">{t.linkedEvent}</th>
                </tr>
              </thead>
              <tbody>
                {props.tasks.map((task) => {
                  const event = props.linked.get(task.id);
                  return (
                    <tr data-task={task.id}>
                      <td data-label={t.number}>{task.number}</td>
                      <td data-label={t.subject}>{task.subject}</td>
                      <td data-label={t.operator}>{operators.get(task.operatorId) ?? task.operatorId}</td>
                      <td data-label={t.type}>{types.get(task.eventTypeId) ?? task.eventTypeId}</td>
                      <td data-label={t.start}>{task.start}</td>
                      <td data-label={t.linkedEvent} data-linked={event ? "yes" : "no"}>
                        {event ? `${event.calendarName}: ${event.remoteId}` : t.notLinked}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <nav aria-label={t.tasks} class="controls">
        {filter.cursor && <a href={href()}>{t.first}</a>}
        {props.nextCursor && (
          <a href={href(props.nextCursor)} rel="next">
            {t.next}
          </a>
        )}
      </nav>
    </>
  );
}
