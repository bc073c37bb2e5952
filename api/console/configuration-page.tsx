// The seed's configuration screens rebuilt: company settings, task types with
// their synchronized flag and the picker of displayed fields and features, and
// the operators. Every form goes to the API route an integrator would call.

import { conflictPolicies, displayFields } from "../../db/enums.js";
import type { CredentialView } from "../credential-views.js";
import type { EventTypeAnswer, OperatorAnswer, SettingsAnswer } from "./answers.js";
import { ApiForm, Field, idOf } from "./layout.js";
import { mayChange, type Viewer } from "./viewer.js";

function SettingsForm(props: { viewer: Viewer; settings: SettingsAnswer }) {
  const { viewer, settings } = props;
  const { t } = viewer;
  const secretState = (key: string) => (settings[key] ? t.isSet : t.notSet);
  const disabled = !mayChange(viewer);
  const number = (name: string, label: string) => (
    <Field name={name} label={label}>
      <input type="number" name={name} id={idOf(name)} data-kind="number" value={String(settings[name] ?? "")} disabled={disabled} />
    </Field>
  );
  return (
    <ApiForm viewer={viewer} api="PATCH /api/settings" label={t.settings}>
      {"googleClientId" in settings && (
        <Field name="googleClientId" label={t.clientId}>
          <input type="text" name="googleClientId" id="f-googleClientId" value={String(settings.googleClientId ?? "")} disabled={disabled} />
        </Field>
      )}
      {"googleClientSecretSet" in settings && (
        <Field name="googleClientSecret" label={`${t.clientSecret} (${secretState("googleClientSecretSet")})`}>
          <input type="password" name="googleClientSecret" id="f-googleClientSecret" data-kind="optional" autocomplete="off" disabled={disabled} />
        </Field>
      )}
      {"defaultRefreshTokenSet" in settings && (
        <Field name="defaultRefreshToken" label={`${t.defaultToken} (${secretState("defaultRefreshTokenSet")})`}>
          <input type="password" name="defaultRefreshToken" id="f-defaultRefreshToken" data-kind="optional" autocomplete="off" disabled={disabled} />
        </Field>
      )}
      {number("monthsBack", t.monthsBack)}
      <Field name="timeZone" label={t.timeZone}>
        <input type="text" name="timeZone" id="f-timeZone" value={settings.timeZone} disabled={disabled} />
      </Field>
      <Field name="conflictPolicy" label={t.conflictPolicy}>
        <select name="conflictPolicy" id="f-conflictPolicy" disabled={disabled}>
          {conflictPolicies.map((policy) => (
            <option value={policy} selected={settings.conflictPolicy === policy}>
              {policy}
            </option>
          ))}
        </select>
      </Field>
      {number("pollIntervalSeconds", t.pollInterval)}
      {"googleRequestsPerMinute" in settings && number("googleRequestsPerMinute", t.quota)}
      {!disabled && <button type="submit">{t.save}</button>}
    </ApiForm>
  );
}

/** The type's fields; `prefix` keeps ids apart when several types share the page. */
function TypeFields(props: { viewer: Viewer; type?: EventTypeAnswer; prefix: string }) {
  const { viewer, type, prefix } = props;
  const { t } = viewer;
  const disabled = !mayChange(viewer);
  return (
    <>
      <Field name="name" label={t.name} id={`${prefix}-name`}>
        <input type="text" name="name" id={`${prefix}-name`} value={type?.name ?? ""} disabled={disabled} />
      </Field>
      <Field name="googleSync" label={t.synchronized} inline id={`${prefix}-sync`}>
        <input type="checkbox" name="googleSync" id={`${prefix}-sync`} data-kind="boolean" checked={type?.googleSync ?? true} disabled={disabled} />
      </Field>
      <fieldset data-field="display.fields">
        <legend>{t.displayedFields}</legend>
        {displayFields.map((field) => (
          <span class="field inline">
            <input
              type="checkbox"
              name="display.fields"
              value={field}
              id={`${prefix}-field-${field}`}
              data-kind="list"
              checked={type ? type.display.fields.includes(field) : field === "number"}
              disabled={disabled}
            />{" "}
            <label for={`${prefix}-field-${field}`}>{field}</label>{" "}
          </span>
        ))}
      </fieldset>
      <Field name="display.features" label={t.features} id={`${prefix}-features`}>
        <input
          type="text"
          name="display.features"
          id={`${prefix}-features`}
          data-kind="names"
          value={type?.display.features.join(", ") ?? ""}
          disabled={disabled}
        />
      </Field>
    </>
  );
}

function TaskTypes(props: { viewer: Viewer; types: EventTypeAnswer[] }) {
  const { viewer } = props;
  const { t } = viewer;
  return (
    <section aria-labelledby="types">
      <h2 id="types">{t.taskTypes}</h2>
      {props.types.map((type) => (
        <details>
          <summary>
            {type.name} — {type.googleSync ? t.synchronized : `${t.synchronized}: ${t.no}`}; {t.displayedFields}:{" "}
            {type.display.fields.join(", ") || t.none}
          </summary>
          <ApiForm viewer={viewer} api={`PATCH /api/event-types/${type.id}`} label={type.name}>
            <TypeFields viewer={viewer} type={type} prefix={`type-${type.id}`} />
            {mayChange(viewer) && <button type="submit">{t.save}</button>}
          </ApiForm>
        </details>
      ))}
      {mayChange(viewer) && (
        <>
          <h3 id="new-type">{t.newType}</h3>
          <ApiForm viewer={viewer} api="POST /api/event-types" label={t.newType}>
            <TypeFields viewer={viewer} prefix="new-type" />
            <button type="submit">{t.create}</button>
          </ApiForm>
        </>
      )}
    </section>
  );
}

export function credentialOf(credentials: CredentialView[], operator: OperatorAnswer): CredentialView | undefined {
  return operator.useConfigToken
    ? credentials.find((credential) => credential.kind === "company" && credential.provider === operator.provider)
    : credentials.find((credential) => credential.operatorId === operator.id);
}

function Operators(props: { viewer: Viewer; operators: OperatorAnswer[]; credentials: CredentialView[]; providers: string[] }) {
  const { viewer } = props;
  const { t } = viewer;
  return (
    <section aria-labelledby="operators">
      <h2 id="operators">{t.operators}</h2>
      {props.operators.length > 0 && (
        <div class="table-wrap" tabindex={0}>
          <table class="stack">
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.provider}</th>
                <th scope="col">{t.enabled}</th>
                <th scope="col">{t.credential}</th>
              </tr>
            </thead>
            <tbody>
              {props.operators.map((operator) => (
                <tr>
                  <td data-label={t.name}>
                    <a href={`/operators/${operator.id}`}>{operator.name}</a>
                  </td>
                  <td data-label={t.provider}>{operator.provider}</td>
                  <td data-label={t.enabled}>{operator.googleEnabled ? t.yes : t.no}</td>
                  <td data-label={t.credential}>{credentialOf(props.credentials, operator)?.status ?? t.none}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayChange(viewer) && (
        <>
          <h3>{t.newOperator}</h3>
          <ApiForm viewer={viewer} api="POST /api/operators" then="go:/operators/{id}" label={t.newOperator}>
            <Field name="name" label={t.name} id="new-operator-name">
              <input type="text" name="name" id="new-operator-name" />
            </Field>
            <Field name="provider" label={t.provider} id="new-operator-provider">
              <select name="provider" id="new-operator-provider">
                {props.providers.map((provider) => (
                  <option value={provider}>{provider}</option>
                ))}
              </select>
            </Field>
            <Field name="googleEnabled" label={t.enabled} inline id="new-operator-enabled">
              <input type="checkbox" name="googleEnabled" id="new-operator-enabled" data-kind="boolean" checked />
            </Field>
            <Field name="useConfigToken" label={t.useConfigToken} inline id="new-operator-company">
              <input type="checkbox" name="useConfigToken" id="new-operator-company" data-kind="boolean" checked />
            </Field>
            <AccountFields viewer={viewer} prefix="new-operator" />
            <button type="submit">{t.create}</button>
          </ApiForm>
        </>
      )}
    </section>
  );
}

/** A CalDAV account (left empty for Google, whose accounts connect through consent). */
export function AccountFields(props: { viewer: Viewer; prefix: string; account?: Record<string, unknown> }) {
  const { t } = props.viewer;
  const disabled = !mayChange(props.viewer);
  return (
    <fieldset>
      <legend>{t.account} (CalDAV)</legend>
      <Field name="account.url" label={t.caldavUrl} id={`${props.prefix}-url`}>
        <input
          type="text"
          name="account.url"
          id={`${props.prefix}-url`}
          data-kind="optional"
          value={String(props.account?.url ?? "")}
          disabled={disabled}
        />
      </Field>
      <Field name="account.username" label={t.username} id={`${props.prefix}-username`}>
        <input
          type="text"
          name="account.username"
          id={`${props.prefix}-username`}
          data-kind="optional"
          value={String(props.account?.username ?? "")}
          disabled={disabled}
        />
      </Field>
      <Field name="account.password" label={t.password} id={`${props.prefix}-password`}>
        <input type="password" name="account.password" id={`${props.prefix}-password`} data-kind="optional" autocomplete="off" disabled={disabled} />
      </Field>
    </fieldset>
  );
}

export function ConfigurationPage(props: {
  viewer: Viewer;
  settings: SettingsAnswer;
  types: EventTypeAnswer[];
  operators: OperatorAnswer[];
  credentials: CredentialView[];
  providers: string[];
}) {
  const { viewer } = props;
  return (
    <>
      <section aria-labelledby="settings">
        <h2 id="settings">{viewer.t.settings}</h2>
        <SettingsForm viewer={viewer} settings={props.settings} />
      </section>
      <TaskTypes viewer={viewer} types={props.types} />
      <Operators viewer={viewer} operators={props.operators} credentials={props.credentials} providers={props.providers} />
    </>
  );
}
