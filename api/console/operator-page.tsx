// One operator: the account, its credential (connect or test it), and the
// type → calendar table, which PUT /api/operators/{id}/calendars checks by the
// seed's rules (only synchronized types, one calendar per operator on an account).
import type { CredentialView } from "../credential-views.js";
import type { BindingAnswer, EventTypeAnswer, OperatorAnswer } from "./answers.js";
import { AccountFields } from "./configuration-page.js";
import { ApiForm, Field } from "./layout.js";
import { mayChange, type Viewer } from "./viewer.js";

function BindingRow(props: { viewer: Viewer; types: EventTypeAnswer[]; index: string; binding?: BindingAnswer }) {
  const { viewer, types, index, binding } = props;
  const { t } = viewer;
  const disabled = !mayChange(viewer);
  return (
    <tr>
      <td data-label={t.type}>
        <Field name={`[${index}].eventTypeId`} label={t.type} id={`binding-${index}-type`}>
          <select name={`[${index}].eventTypeId`} id={`binding-${index}-type`} disabled={disabled}>
            {types.map((type) => (
              <option value={type.id} selected={binding?.eventTypeId === type.id}>
                {type.name}
                {type.googleSync ? "" : ` (${t.synchronized}: ${t.no})`}
              </option>
            ))}
          </select>
        </Field>
      </td>
      <td data-label={t.calendar}>
        <Field name={`[${index}].calendarName`} label={t.calendar} id={`binding-${index}-calendar`}>
          <input
            type="text"
            name={`[${index}].calendarName`}
            id={`binding-${index}-calendar`}
            list="calendar-names"
            value={binding?.calendarName ?? ""}
            disabled={disabled}
          />
        </Field>
      </td>
    </tr>
  );
}

export function OperatorPage(props: {
  viewer: Viewer;
  operator: OperatorAnswer;
  credential?: CredentialView;
  types: EventTypeAnswer[];
  bindings: BindingAnswer[];
  calendars: string[];
}) {
  const { viewer, operator, credential, types, bindings } = props;
  const { t } = viewer;
  const admin = mayChange(viewer);
  return (
    <>
      <section aria-labelledby="operator">
        <h2 id="operator">
          {t.operator}: {operator.provider}
        </h2>
        <ApiForm viewer={viewer} api={`PATCH /api/operators/${operator.id}`} label={t.operator}>
          <Field name="name" label={t.name} id="operator-name">
            <input type="text" name="name" id="operator-name" value={operator.name} disabled={!admin} />
          </Field>
          <Field name="googleEnabled" label={t.enabled} inline id="operator-enabled">
            <input
              type="checkbox"
              name="googleEnabled"
              id="operator-enabled"
              data-kind="boolean"
              checked={operator.googleEnabled}
              disabled={!admin}
            />
          </Field>
          <Field name="useConfigToken" label={t.useConfigToken} inline id="operator-company">
            <input
              type="checkbox"
              name="useConfigToken"
              id="operator-company"
              data-kind="boolean"
              checked={operator.useConfigToken}
              disabled={!admin}
            />
          </Field>
          {operator.provider === "caldav" && <AccountFields viewer={viewer} prefix="operator" account={operator.account} />}
          {admin && <button type="submit">{t.save}</button>}
        </ApiForm>
      </section>
      <section aria-labelledby="credential">
        <h2 id="credential">{t.credential}</h2>
        <p>
          <span data-credential-status={credential?.status ?? "none"}>
            {credential ? `${credential.status}${credential.account ? ` (${credential.account})` : ""}` : t.none}
          </span>
          {credential?.lastError && <span class="bad"> — {credential.lastError.message}</span>}
        </p>
        {admin && (
          <div class="controls">
            {credential?.authorizeUrl && <a href={credential.authorizeUrl}>{t.connectGoogle}</a>}
            <ApiForm viewer={viewer} api={`POST /api/operators/${operator.id}/test`} nobody then="show:test-result" label={t.testConnection}>
              <button type="submit">{t.testConnection}</button>
            </ApiForm>
            <ApiForm viewer={viewer} api={`POST /api/operators/${operator.id}/preview`} nobody then="show:preview-result" label={t.preview}>
              <button type="submit">{t.preview}</button>
            </ApiForm>
          </div>
        )}
        <div id="test-result" hidden>
          <h3>{t.testConnection}</h3>
          <pre></pre>
        </div>
        <div
          id="preview-result"
          hidden
          data-format="preview"
          data-to-calendar={t.previewToCalendar}
          data-to-crm={t.previewToCrm}
          data-links={t.previewLinks}
        >
          <h3>{t.preview}</h3>
          <pre></pre>
        </div>
      </section>
      <section aria-labelledby="bindings">
        <h2 id="bindings">{t.bindings}</h2>
        <p class="note">{t.calendarHint}</p>
        <datalist id="calendar-names">
          {props.calendars.map((name) => (
            <option value={name} />
          ))}
        </datalist>
        <ApiForm viewer={viewer} api={`PUT /api/operators/${operator.id}/calendars`} root="array" label={t.bindings}>
          <div class="table-wrap" tabindex={0}>
            <table id="binding-rows">
              <thead>
                <tr>
                  <th scope="col">{t.type}</th>
                  <th scope="col">{t.calendar}</th>
                </tr>
              </thead>
              <tbody>
                {bindings.map((binding, index) => (
                  <BindingRow viewer={viewer} types={types} index={String(index)} binding={binding} />
                ))}
              </tbody>
            </table>
          </div>
          {admin && (
            <>
              <template id="binding-rows-template">
                <BindingRow viewer={viewer} types={types} index="__index__" />
              </template>
              <div class="controls">
                <button type="button" class="secondary" data-add-row="binding-rows">
                  {t.addRow}
                </button>
                <button type="submit">{t.saveBindings}</button>
              </div>
            </>
          )}
        </ApiForm>
      </section>
    </>
  );
}
