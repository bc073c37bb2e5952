// The console's only script, served at /console.js (no CDN, no build step).
// Every change goes to the same /api route an integrator calls, with the
// session's CSRF token from the form; the API's field errors are shown next to
// the field they name (inputs are named by the API's own error paths). Parts
// marked data-live are fetched again every few seconds.
export const consoleScript = String.raw`
"use strict";
(() => {
  const setPath = (target, path, value) => {
    const keys = [];
    path.replace(/\[(\d+)\]|([^.[\]]+)/g, (_, index, key) => { keys.push(index !== undefined ? Number(index) : key); return ""; });
    let at = target;
    keys.forEach((key, i) => {
      if (i === keys.length - 1) { at[key] = value; return; }
      if (at[key] === undefined) at[key] = typeof keys[i + 1] === "number" ? [] : {};
      at = at[key];
    });
  };

  const bodyOf = (form) => {
    const body = form.dataset.root === "array" ? [] : {};
    const lists = new Set();
    for (const field of form.elements) {
      const name = field.name;
      if (!name || name === "csrf" || field.disabled) continue;
      const kind = field.dataset.kind || "text";
      if (kind === "list") {
        if (!lists.has(name)) { lists.add(name); setPath(body, name, []); }
        if (field.checked) { let list = body; name.split(".").forEach((k) => { list = list[k]; }); list.push(field.value); }
      } else if (kind === "boolean") setPath(body, name, field.checked);
      else if (kind === "number") { if (field.value !== "") setPath(body, name, Number(field.value)); }
      else if (kind === "names") setPath(body, name, field.value.split(",").map((s) => s.trim()).filter(Boolean));
      else if (kind === "optional") { if (field.value !== "") setPath(body, name, field.value); }
      else setPath(body, name, field.value);
    }
    return Array.isArray(body) ? body.filter((row) => row !== undefined) : body;
  };

  const clearErrors = (form) => {
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) { node.removeAttribute("aria-invalid"); node.removeAttribute("aria-describedby"); }
  };

  const showError = (form, path, text) => {
    const wrapper = form.querySelector('[data-field="' + CSS.escape(path) + '"]');
    if (!wrapper) return false;
    const note = document.createElement("p");
    note.className = "field-error";
    note.id = "error-" + Math.random().toString(36).slice(2);
    note.textContent = text;
    wrapper.append(note);
    const input = wrapper.querySelector("input, select, textarea");
    if (input) { input.setAttribute("aria-invalid", "true"); input.setAttribute("aria-describedby", note.id); }
    return true;
  };

  // A first import's plan, per binding, in the page's words (the labels come with the page).
  const previewText = (labels, bindings) => bindings.map((binding) => {
    const list = (title, items) => title + " (" + items.length + ")" + items.map((item) => "\n  - " + item.summary + (item.start ? " (" + item.start + ")" : "")).join("");
    return [binding.calendarName + (binding.error ? ": " + binding.error : ""),
      list(labels.toCalendar, binding.tasksToEvents), list(labels.toCrm, binding.eventsToTasks), list(labels.links, binding.matches)].join("\n");
  }).join("\n\n");

  const send = async (form) => {
    const [method, url] = form.dataset.api.split(" ");
    const status = form.querySelector(".form-status");
    clearErrors(form);
    if (status) { status.textContent = ""; status.classList.remove("bad"); }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const headers = { accept: "application/json" };
    const csrf = form.elements.namedItem("csrf");
    if (csrf) headers["x-csrf-token"] = csrf.value;
    let body;
    if (method !== "GET" && method !== "DELETE" && form.dataset.nobody === undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(bodyOf(form));
    }
    const response = await fetch(url, { method, headers, body, credentials: "same-origin" });
    const text = await response.text();
    const answer = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const error = (answer && answer.error) || { message: response.statusText };
      const message = form.dataset["error" + response.status] || error.message;
      const details = Array.isArray(error.details) ? error.details : [];
      const placed = details.filter((issue) => issue && issue.path && showError(form, issue.path, issue.message));
      if (status) { status.textContent = (form.dataset.refused || "") + " " + response.status + ": " + message; status.classList.add("bad"); }
      if (placed.length === 0 && !status) window.alert(message);
      return;
    }
    const then = form.dataset.then || "reload";
    if (then.startsWith("show:")) {
      const target = document.getElementById(then.slice(5));
      if (target) { target.hidden = false; target.querySelector("pre").textContent = target.dataset.format === "preview" ? previewText(target.dataset, answer) : JSON.stringify(answer, null, 2); }
      if (status) status.textContent = form.dataset.done || "";
      return;
    }
    if (then.startsWith("go:")) { window.location.assign(then.slice(3).replace("{id}", answer && answer.id ? answer.id : "")); return; }
    if (status) status.textContent = form.dataset.done || "";
    window.location.reload();
  };

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.api) return;
    event.preventDefault();
    send(form).catch((error) => {
      const status = form.querySelector(".form-status");
      if (status) { status.textContent = String(error); status.classList.add("bad"); }
    });
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-add-row]") : null;
    if (!button) return;
    const table = document.getElementById(button.dataset.addRow);
    const template = document.getElementById(button.dataset.addRow + "-template");
    if (!table || !template) return;
    const index = table.querySelectorAll("tbody tr").length;
    const row = template.content.firstElementChild.cloneNode(true);
    for (const node of row.querySelectorAll("[name], [data-field], [for], [id]")) {
      for (const attribute of ["name", "data-field", "for", "id"]) {
        const value = node.getAttribute(attribute);
        if (value) node.setAttribute(attribute, value.replace("__index__", String(index)));
      }
    }
    table.querySelector("tbody").append(row);
    const first = row.querySelector("select, input");
    if (first) first.focus();
  });

  const live = document.querySelectorAll("[data-live]");
  if (live.length > 0) {
    const every = Number(document.body.dataset.refreshMs || 2000);
    const refresh = async () => {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { accept: "text/html" } });
      if (response.redirected || !response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const part of live) {
        const fresh = page.getElementById(part.id);
        if (fresh && fresh.innerHTML !== part.innerHTML && !part.contains(document.activeElement)) part.innerHTML = fresh.innerHTML;
      }
    };
    setInterval(() => { if (!document.hidden) refresh().catch(() => {}); }, every);
  }
})();
`;
