// One actor: its state with what to do, statistics, failed items, the journal
// (paged, filtered by direction and outcome) and the controls.

import { directions } from "../../db/enums.js";
import type { ActorView, FailureView } from "../../db/queries/actors.js";
import type { JournalView } from "../../db/queries/journal.js";
import type { StateChangeView } from "../../db/queries/state-changes.js";
import { ApiForm, Field, When } from "./layout.js";
import { Progress } from "./overview-page.js";
import { adviceFor } from "./state-advice.js";
import { mayChange, type Viewer } from "./viewer.js";

export interface JournalPaging {
  direction?: string;
  outcome?: string;
  offset: number;
  limit: number;
}

const outcomes = ["ok", "failed", "skipped"];

function Controls(props: { viewer: Viewer; actor: ActorView }) {
  const { viewer, actor } = props;
  const { t } = viewer;
  const commands: [string, string, string?][] = [
    ["sync", t.sync],
    ["pause", t.pause],
    ["resume", t.resume],
    ["restart", t.restart],
    ["resync", t.resync, t.confirmResync],
    ["retry-failures", t.retryFailures],
  ];
  return (
    <section aria-labelledby="controls">
      <h2 id="controls">{t.controls}</h2>
      <div class="controls">
        {commands.map(([command, label, confirm]) => (
          <ApiForm viewer={viewer} api={`POST /api/actors/${actor.id}/${command}`} nobody confirm={confirm} label={label}>
            <button type="submit" data-command={command}>
              {label}
            </button>
          </ApiForm>
        ))}
      </div>
    </section>
  );
}

function journalHref(actorId: string, paging: JournalPaging, offset: number) {
  const query = new URLSearchParams();
  if (paging.direction) query.set("direction", paging.direction);
  if (paging.outcome) query.set("outcome", paging.outcome);
  if (offset > 0) query.set("offset", String(offset));
  const text = query.toString();
  return `/actors/${actorId}${text ? `?${text}` : ""}#journal`;
}

export function ActorPage(props: {
  viewer: Viewer;
  actor: ActorView;
  failures: FailureView[];
  journal: JournalView[];
  stateChanges: StateChangeView[];
  paging: JournalPaging;
  timeZone: string;
}) {
  const { viewer, actor, paging } = props;
  const { t } = viewer;
  const hasMore = props.journal.length > paging.limit;
  const page = props.journal.slice(0, paging.limit);
  return (
    <>
      <div id="actor-live" data-live="">
        <dl>
          <dt>{t.state}</dt>
          <dd>
            <span class={`state state-${actor.state}`} data-state={actor.state}>
              {actor.state}
            </span>
          </dd>
          <dt>{t.whatToDo}</dt>
          <dd class="advice">{adviceFor(viewer.language, actor.state)}</dd>
          <dt>{t.calendar}</dt>
          <dd>{actor.calendarName}</dd>
          <dt>{t.lastSync}</dt>
          <dd>
            <When at={actor.lastSyncAt} viewer={viewer} timeZone={props.timeZone} />
          </dd>
          <dt>{t.lastError}</dt>
          <dd class="last-error">
            {actor.lastError ? (
              <span class="bad">
                {actor.lastError.code}: {actor.lastError.message}
              </span>
            ) : (
              t.none
            )}
            {actor.lastError?.reauthorizeUrl && (
              <>
                {" "}
                <a href={actor.lastError.reauthorizeUrl}>{t.connectGoogle}</a>
              </>
            )}
          </dd>
          <dt>{t.progress}</dt>
          <dd>
            <Progress actor={actor} viewer={viewer} />
          </dd>
        </dl>
        <h2>{t.stateChanges}</h2>
        {props.stateChanges.length === 0 ? (
          <p>{t.noStateChanges}</p>
        ) : (
          <ol id="state-changes">
            {props.stateChanges.map((change) => (
              <li data-to={change.to}>
                <When at={change.at} viewer={viewer} timeZone={props.timeZone} />: {change.from ?? "—"} →{" "}
                <span class={`state state-${change.to}`}>{change.to}</span>
                {change.error && (
                  <span class="bad">
                    {" "}
                    ({change.error.code}: {change.error.message})
                  </span>
                )}
              </li>
            ))}
          </ol>
        )}
        <h2>{t.stats}</h2>
        <ul class="counts">
          <li>
            {t.pushed}: {actor.stats.pushed}
          </li>
          <li>
            {t.pulled}: {actor.stats.pulled}
          </li>
          <li>
            {t.conflicts}: {actor.stats.conflicts}
          </li>
          <li>
            {t.errors}: {actor.stats.errors}
          </li>
          <li>
            {t.failures}: {actor.stats.failures}
          </li>
        </ul>
        <h2>{t.failures}</h2>
        {props.failures.length === 0 ? (
          <p>{t.noFailures}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">{t.task}</th>
                  <th scope="col">{t.remote}</th>
                  <th scope="col">{t.direction}</th>
                  <th scope="col">{t.code}</th>
                  <th scope="col">{t.message}</th>
                  <th scope="col">{t.attempts}</th>
                </tr>
              </thead>
              <tbody>
                {props.failures.map((failure) => (
                  <tr>
                    <td data-label={t.task}>{failure.taskId ?? ""}</td>
                    <td data-label={t.remote}>{failure.remoteId ?? ""}</td>
                    <td data-label={t.direction}>{failure.direction}</td>
                    <td data-label={t.code}>{failure.code}</td>
                    <td data-label={t.message}>{failure.message}</td>
                    <td data-label={t.attempts}>{failure.attempts}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {mayChange(viewer) && <Controls viewer={viewer} actor={actor} />}
      <section aria-labelledby="journal">
        <h2 id="journal">{t.journal}</h2>
        <form method="get" action={`/actors/${actor.id}#journal`} class="controls">
          <Field name="direction" label={t.direction}>
            <select name="direction" id="f-direction">
              <option value="">{t.any}</option>
              {directions.map((direction) => (
                <option value={direction} selected={paging.direction === direction}>
                  {direction}
                </option>
              ))}
            </select>
          </Field>
          <Field name="outcome" label={t.outcome}>
            <select name="outcome" id="f-outcome">
              <option value="">{t.any}</option>
              {outcomes.map((outcome) => (
                <option value={outcome} selected={paging.outcome === outcome}>
                  {outcome}
                </option>
              ))}
            </select>
          </Field>
          <div class="field">
            <button type="submit">{t.filter}</button>
          </div>
        </form>
        {page.length === 0 ? (
          <p>{t.empty}</p>
        ) : (
          <div class="table-wrap" tabindex={0}>
            <table class="stack" id="journal-entries" data-offset={paging.offset}>
              <thead>
                <tr>
                  <th scope="col">{t.at}</th>
                  <th scope="col">{t.direction}</th>
                  <th scope="col">{t.action}</th>
                  <th scope="col">{t.outcome}</th>
                  <th scope="col">{t.task}</th>
                  <th scope="col">{t.detail}</th>
                </tr>
              </thead>
              <tbody>
                {page.map((entry) => (
                  <tr>
                    <td data-label={t.at}>
                      <When at={entry.at} viewer={viewer} timeZone={props.timeZone} />
                    </td>
                    <td data-label={t.direction}>{entry.direction}</td>
                    <td data-label={t.action}>{entry.action}</td>
                    <td data-label={t.outcome}>{entry.outcome}</td>
                    <td data-label={t.task}>{entry.taskId ?? ""}</td>
                    <td data-label={t.detail}>{entry.detail ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav aria-label={t.journal} class="controls">
          {paging.offset > 0 && <a href={journalHref(actor.id, paging, 0)}>{t.newest}</a>}
          {hasMore && (
            <a href={journalHref(actor.id, paging, paging.offset + paging.limit)} rel="next">
              {t.older}
            </a>
          )}
        </nav>
      </section>
    </>
  );
}
