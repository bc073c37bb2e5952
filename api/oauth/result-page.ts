// The plain page a consent flow ends on: what was connected, or what went
// wrong and what to do. Nothing on it comes from the request unescaped, it
// loads nothing, and it leaks no referrer (the callback's address holds the
// code and the state).
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

export interface ResultPage {
  ok: boolean;
  title: string;
  /** Paragraphs, as plain text. */
  lines: string[];
}

export function resultPage(c: Context, status: ContentfulStatusCode, page: ResultPage) {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>taskcal: ${escapeHtml(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem;color:${page.ok ? "#1a7f37" : "#b42318"}}</style>
</head><body><h1>${escapeHtml(page.title)}</h1>
${page.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("\n")}
</body></html>`;
  return c.html(html, status, {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}
