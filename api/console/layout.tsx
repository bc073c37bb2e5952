// The frame every console page shares: head, navigation, language switch and sign-out.
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { type Language, languages } from "./messages.js";
import type { Viewer } from "./viewer.js";

type Section = "overview" | "configuration" | "tasks" | "sign-in";

const languageNames: Record<Language, string> = { en: "English", pl: "Polski" };

export function Layout(props: {
  viewer: Omit<Viewer, "kind" | "csrf"> & Partial<Viewer>;
  section: Section;
  title: string;
  path: string;
  children: Child;
}) {
  const { viewer, section, title } = props;
  const { t } = viewer;
  const links: [Section, string, string][] = [
    ["overview", "/", t.overview],
    ["configuration", "/configuration", t.configuration],
    ["tasks", "/tasks", t.tasks],
  ];
  return (
    <>
      {raw("<!DOCTYPE html>")}
      <html lang={viewer.language}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${title} · ${t.title}`}</title>
          <link rel="stylesheet" href="/console.css" />
          <script src="/console.js" defer></script>
        </head>
        <body>
          <a class="skip" href="#content">
            {t.skip}
          </a>
          <header>
            <span class="brand">taskcal</span>
            {viewer.kind && (
              <nav aria-label={t.title}>
                <ul>
                  {links.map(([id, href, label]) => (
                    <li>
                      <a href={href} aria-current={id === section ? "page" : undefined}>
                        {label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            <nav aria-label={t.language}>
              <ul>
                {languages.map((language) => (
                  <li>
                    <a
                      href={`/language/${language}?back=${encodeURIComponent(props.path)}`}
                      lang={language}
                      aria-current={language === viewer.language ? "true" : undefined}
                    >
                      {languageNames[language]}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            {viewer.kind && (
              <form data-api="DELETE /session" data-then="go:/sign-in">
                <input type="hidden" name="csrf" value={viewer.csrf} />
                <button type="submit" class="secondary">
                  {t.signOut}
                </button>
              </form>
            )}
          </header>
          <main id="content">
            <h1>{title}</h1>
            {viewer.kind === "readonly" && <p class="note">{t.readOnly}</p>}
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/** A form whose submission the console script sends to the API. */
export function ApiForm(props: {
  viewer: Viewer;
  api: string;
  then?: string;
  confirm?: string;
  root?: "array";
  nobody?: boolean;
  label?: string;
  children: Child;
}) {
  const { viewer } = props;
  return (
    <form
      data-api={props.api}
      data-then={props.then}
      data-confirm={props.confirm}
      data-root={props.root}
      data-nobody={props.nobody ? "" : undefined}
      data-done={viewer.t.done}
      data-refused={viewer.t.failed}
      aria-label={props.label}
    >
      <input type="hidden" name="csrf" value={viewer.csrf} />
      {props.children}
      <p class="form-status" role="status"></p>
    </form>
  );
}

/** A labelled input wrapped so the API's error for `name` lands beside it. */
export function Field(props: { name: string; label: string; children: Child; inline?: boolean; id?: string }) {
  return (
    <div class={props.inline ? "field inline" : "field"} data-field={props.name}>
      {props.inline ? (
        <>
          {props.children} <label for={props.id ?? idOf(props.name)}>{props.label}</label>
        </>
      ) : (
        <>
          <label for={props.id ?? idOf(props.name)}>{props.label}</label>
          {props.children}
        </>
      )}
    </div>
  );
}

export const idOf = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

export function When(props: { at: string | null; viewer: Viewer; timeZone: string }) {
  if (!props.at) return <span>{props.viewer.t.never}</span>;
  const text = new Date(props.at).toLocaleString(props.viewer.language === "pl" ? "pl-PL" : "en-GB", { timeZone: props.timeZone });
  return <time datetime={props.at}>{text}</time>;
}
