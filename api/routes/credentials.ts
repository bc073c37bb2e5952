// GET /api/credentials and POST /api/operators/{id}/test: whether each
// credential works, and a dry run of an operator's sign-in.
import { createRoute, z } from "@hono/zod-openapi";
import { testConnection } from "../connection-test.js";
import { credentialViews } from "../credential-views.js";
import { accountCalendars, previewFirstImport } from "../first-import-preview.js";
import { loadOperator } from "../load-operator.js";
import { createRouter } from "../router.js";
import { errors, IdParam, jsonResponse, security } from "../schemas/common.js";

const Credential = z
  .object({
    id: z.string().openapi({ description: "company:<provider> or operator:<operator id>", example: "company:google" }),
    kind: z.enum(["company", "operator"]),
    provider: z.string(),
    operatorId: z.uuid().nullable(),
    account: z
      .string()
      .nullable()
      .openapi({ description: "Whose account it is (an e-mail, a CalDAV principal), once known", example: "anna@example.com" }),
    status: z.enum(["ok", "revoked", "missing", "unverified"]).openapi({
      description:
        "ok: it last worked; revoked: the provider refused it last (authorize again); missing: not set, or incomplete; unverified: set, not used yet",
    }),
    lastRefreshAt: z.string().nullable().openapi({ description: "When it last worked: a sign-in or token refresh (kept to within 5 minutes)" }),
    lastError: z
      .object({
        code: z.string(),
        message: z.string(),
        at: z.string().nullable().openapi({ description: "null: found in the settings, not by the provider" }),
      })
      .nullable(),
    bindingIds: z.array(z.uuid()).openapi({ description: "The syncing bindings that sign in with it" }),
    authorizeUrl: z
      .string()
      .nullable()
      .openapi({ description: "Where an administrator connects it (again) in a browser, when its provider has a consent flow" }),
  })
  .openapi("Credential");

const Step = z
  .object({
    step: z.enum(["credentials", "sign-in", "calendar"]),
    ok: z.boolean(),
    message: z.string(),
    account: z.string().optional(),
    bindingId: z.uuid().optional(),
    calendarName: z.string().optional(),
    calendarId: z.string().optional(),
    found: z.boolean().optional().openapi({ description: "false: not on the account yet (the first sync creates it)" }),
  })
  .openapi("ConnectionTestStep");

const ConnectionTest = z.object({ ok: z.boolean(), steps: z.array(Step) }).openapi("ConnectionTest");

export const credentialRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["credentials"],
    summary: "Every credential (each provider's company account, each operator's own) and whether it works",
    security,
    responses: { 200: jsonResponse(z.array(Credential), "Company accounts first, then operators by name"), ...errors() },
  }),
  async (c) => c.json(await credentialViews(c), 200),
);

const PreviewItem = z
  .object({
    taskId: z.uuid().optional(),
    remoteId: z.string().optional().openapi({ description: "The event's id in the calendar" }),
    summary: z.string(),
    start: z.string().nullable(),
  })
  .openapi("PreviewItem");

const BindingPreview = z
  .object({
    bindingId: z.uuid(),
    calendarName: z.string(),
    calendarFound: z
      .boolean()
      .nullable()
      .openapi({ description: "false: not on the account yet (the first import creates it); null: the provider cannot look" }),
    tasksToEvents: z.array(PreviewItem).openapi({ description: "Tasks that would become events" }),
    eventsToTasks: z.array(PreviewItem).openapi({ description: "Events that would become tasks" }),
    matches: z.array(PreviewItem).openapi({ description: "Events and tasks that would be linked (the event carries the task's id)" }),
    error: z.string().nullable().openapi({ description: "Why the calendar could not be read (sign-in refused, ...), else null" }),
  })
  .openapi("BindingPreview");

const AccountCalendars = z
  .object({
    calendars: z.array(z.object({ id: z.string(), name: z.string(), writable: z.boolean().nullable() })),
    error: z.string().nullable().openapi({ description: "Why the account's calendars could not be listed (sign-in refused, ...), else null" }),
  })
  .openapi("AccountCalendars");

export const operatorTestRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/test",
      tags: ["operators"],
      summary: "Test the operator's connection: sign in, find each bound calendar by name; changes nothing",
      description:
        "Answers what it found, or the first failure. Creates no calendar and writes no setting (what it learns of the credential shows on GET /api/credentials).",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(ConnectionTest, "The steps taken; ok is false when one failed"), ...errors(404) },
    }),
    async (c) => c.json(await testConnection(c, await loadOperator(c.var.db, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/preview",
      tags: ["operators"],
      summary: "What a first import of each of the operator's bindings would do; writes nothing",
      description:
        "Signs in, finds each bound calendar by name (creating none), lists its events in the window, and asks the sync planner what it would do with them and with the tasks: tasks that would become events, events that would become tasks, matches that would be linked.",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.array(BindingPreview), "One entry per binding"), ...errors(404) },
    }),
    async (c) => c.json(await previewFirstImport(c, await loadOperator(c.var.db, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/account-calendars",
      tags: ["operators"],
      summary: "The calendars on the operator's account (every page), to pick a binding's calendar from; creates nothing",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(AccountCalendars, "The account's calendars, or why they could not be listed"), ...errors(404) },
    }),
    async (c) => c.json(await accountCalendars(c, await loadOperator(c.var.db, c.req.valid("param").id)), 200),
  );
