// The overview: every actor, errors first, grouped by state, with counts, the
// last error and what to do about it, and the import's progress. Refreshed live.

import type { ActorStateName } from "../../db/enums.js";
import type { ActorView } from "../../db/queries/actors.js";
import type { Named, OperatorAnswer } from "./answers.js";
import { When } from "./layout.js";
import { adviceFor } from "./state-advice.js";
import type { Viewer } from "./viewer.js";

/** Errors first, then what may need a look, then the quiet ones. */
export const stateOrder: ActorStateName[] = ["error", "backoff", "paused", "authorizing", "initialImport", "incremental"];

export function Progress(props: { actor: ActorView; viewer: Viewer }) {
  const { progress } = props.actor;
  if (!progress) return <span>{props.viewer.t.none}</span>;
  const label = `${props.viewer.t.progress}: ${progress.phase} ${progress.done}${progress.total === null ? "" : ` / ${progress.total}`}`;
  return progress.total === null ? (
    <span>{label}</span>
  ) : (
    <progress max={Math.max(progress.total, 1)} value={progress.done} aria-label={label} title={label}>
      {label}
    </progress>
  );
}

export function OverviewPage(props: { viewer: Viewer; actors: ActorView[]; operators: OperatorAnswer[]; types: Named[]; timeZone: string }) {
  const { viewer, actors } = props;
  const { t } = viewer;
  const operators = new Map(props.operators.map((o) => [o.id, o]));
  const types = new Map(props.types.map((type) => [type.id, type.name]));
  const groups = stateOrder.map((state) => [state, actors.filter((actor) => actor.state === state)] as const).filter(([, group]) => group.length > 0);
  return (
    <div id="overview" data-live="">
      {actors.length === 0 && <p>{t.noActors}</p>}
      <ul class="counts" aria-label={t.count}>
        {groups.map(([state, group]) => (
          <li>
            <span class={`state state-${state}`}>{state}</span>: <span data-count={state}>{group.length}</span>
          </li>
        ))}
      </ul>
      {groups.map(([state, group]) => (
        <section aria-labelledby={`group-${state}`}>
          <h2 id={`group-${state}`} class={`state state-${state}`}>
            {state} ({group.length})
          </h2>
          <p class="advice">
            {t.whatToDo}: {adviceFor(viewer.language, state)}
          </p>
          <div class="table-wrap" tabindex={0}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t.operator}</th>
                  <th scope="col">{t.type}</th>
                  <th scope="col">{t.calendar}</th>
                  <th scope="col">{t.provider}</th>
                  <th scope="col">{t.lastSync}</th>
                  <th scope="col">{t.lastError}</th>
                  <th scope="col">{t.progress}</th>
                </tr>
              </thead>
              <tbody>
                {group.map((actor) => {
                  const operator = operators.get(actor.operatorId);
                  return (
                    <tr data-actor={actor.id} data-state={actor.state}>
                      <td data-label={t.operator}>
                        <a href={`/actors/${actor.id}`}>{operator?.name ?? actor.operatorId}</a>
                      </td>
                      <td data-label={t.type}>{types.get(actor.eventTypeId) ?? actor.eventTypeId}</td>
                      <td data-label={t.calendar}>{actor.calendarName}</td>
                      <td data-label={t.provider}>{operator?.provider ?? ""}</td>
                      <td data-label={t.lastSync}>
                        <When at={actor.lastSyncAt} viewer={viewer} timeZone={props.timeZone} />
                      </td>
                      <td data-label={t.lastError}>
                        {actor.lastError ? (
                          <>
                            <span class="bad">
                              {actor.lastError.code}: {actor.lastError.message}
                            </span>
                            {actor.lastError.reauthorizeUrl && (
                              <>
                                {" "}
                                <a href={actor.lastError.reauthorizeUrl}>{t.connectGoogle}</a>
                              </>
                            )}
                          </>
                        ) : (
                          t.none
                        )}
                      </td>
                      <td data-label={t.progress}>
                        <Progress actor={actor} viewer={viewer} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
