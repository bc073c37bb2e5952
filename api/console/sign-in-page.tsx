// Sign-in: the admin token (or the read-only one) becomes a session cookie through POST /session.
import { Field } from "./layout.js";
import type { Messages } from "./messages.js";

export function SignInForm(props: { t: Messages }) {
  const { t } = props;
  return (
    <form data-api="POST /session" data-then="go:/" data-error401={t.badSignIn} data-refused={t.failed} aria-label={t.signIn}>
      <Field name="token" label={t.token}>
        <input type="password" name="token" id="f-token" autocomplete="current-password" />
      </Field>
      <button type="submit">{t.signIn}</button>
      <p class="form-status" role="status"></p>
    </form>
  );
}
