// The console's style sheet, served at /console.css: readable from a phone
// (390 px) to a desktop, colours with enough contrast for axe's checks.
export const consoleStyle = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --accent: #0b57d0; --bad: #a50e0e; --ok: #0b6b2b; --warn: #7a4b00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px; }
header { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; padding: 8px 16px; border-bottom: 1px solid var(--line); background: #f4f6fa; }
header .brand { font-weight: 700; margin-right: auto; }
nav ul { display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; }
header form { display: inline; }
main { padding: 16px; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.5rem; margin: 8px 0 16px; } h2 { font-size: 1.2rem; margin-top: 24px; } h3 { font-size: 1.05rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
caption { text-align: left; font-weight: 700; padding: 4px 0; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; }
.counts li { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
.state { font-weight: 700; }
.state-error { color: var(--bad); } .state-backoff { color: var(--warn); } .state-incremental { color: var(--ok); }
.advice { color: var(--muted); }
.field { margin: 8px 0; } .field label { display: block; font-weight: 600; }
.field.inline label { display: inline; font-weight: 400; }
fieldset { border: 1px solid var(--line); margin: 8px 0; }
input[type=text], input[type=password], input[type=number], input[type=search], input:not([type]), select { font: inherit; padding: 4px 6px; max-width: 100%; min-width: 12em; }
button { font: inherit; padding: 6px 12px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; }
.controls form { display: inline; }
.field-error, .bad { color: var(--bad); }
[aria-invalid="true"] { border: 2px solid var(--bad); }
.form-status:empty { display: none; }
progress { width: 10em; }
pre { white-space: pre-wrap; background: #f4f6fa; padding: 8px; }
.note { color: var(--muted); }
@media (max-width: 600px) { main { padding: 8px; } th, td { padding: 4px; } table.stack thead { display: none; } table.stack tr { display: block; border-bottom: 2px solid var(--line); } table.stack td { display: block; border: 0; } table.stack td::before { content: attr(data-label) ": "; font-weight: 600; } }
`;
