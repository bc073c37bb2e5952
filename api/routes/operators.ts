// /api/operators: operators (R4) and their calendar account. Secrets are
// sealed on the way in and only reported as set (R2).
import { createRoute, z } from "@hono/zod-openapi";
import { asc, count, eq } from "drizzle-orm";
import type { Db } from "../../db/database";
import type { SecretBox } from "../../db/secret-box";
import { bindings, operators, tasks } from "../../db/schema";
import { lockBindings, refuseSharedAccountClash, sharesDefaultAccount } from "../calendar-account";
import { ApiError, notFound } from "../errors";
import { createRouter } from "../router";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common";
import { OperatorCreateSchema, OperatorPatchSchema, OperatorSchema, type providers } from "../schemas/operators";

type OperatorRow = typeof operators.$inferSelect;

function toApi(row: OperatorRow) {
  return {
    id: row.id,
    name: row.name,
    googleEnabled: row.googleEnabled,
    useConfigToken: row.useConfigToken,
    refreshTokenSet: row.refreshTokenEnc !== null,
    provider: row.provider as (typeof providers)[number],
    caldav:
      row.caldavUrl === null
        ? null
        : { url: row.caldavUrl, username: row.caldavUsername ?? "", passwordSet: row.caldavPasswordEnc !== null },
  };
}

export async function loadOperator(db: Db, id: string) {
  const [row] = await db.select().from(operators).where(eq(operators.id, id));
  if (!row) throw notFound("operator", id);
  return row;
}

const seal = (secrets: SecretBox, value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : secrets.seal(value);

function requireCaldavAccount(provider: string, url: string | null | undefined) {
  if (provider === "caldav" && !url) {
    throw new ApiError("invalid_input", "invalid body: caldav: required when provider is caldav", [
      { path: "caldav", message: "required when provider is caldav" },
    ]);
  }
}

const tags = ["operators"];

export const operatorRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags,
      summary: "Create an operator",
      security,
      request: { body: jsonBody(OperatorCreateSchema) },
      responses: { 201: jsonResponse(OperatorSchema, "The new operator"), ...errors(400, 413, 415) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      requireCaldavAccount(body.provider, body.caldav?.url);
      const [row] = await c.var.db
        .insert(operators)
        .values({
          name: body.name,
          googleEnabled: body.googleEnabled,
          useConfigToken: body.useConfigToken,
          refreshTokenEnc: seal(c.var.secrets, body.refreshToken),
          provider: body.provider,
          caldavUrl: body.caldav?.url,
          caldavUsername: body.caldav?.username,
          caldavPasswordEnc: seal(c.var.secrets, body.caldav?.password),
        })
        .returning();
      return c.json(toApi(row), 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "List operators",
      security,
      responses: { 200: jsonResponse(z.array(OperatorSchema), "All operators, by name"), ...errors() },
    }),
    async (c) => {
      const rows = await c.var.db.select().from(operators).orderBy(asc(operators.name), asc(operators.id));
      return c.json(rows.map(toApi), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags,
      summary: "Read one operator",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(OperatorSchema, "The operator"), ...errors(404) },
    }),
    async (c) => c.json(toApi(await loadOperator(c.var.db, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags,
      summary: "Change an operator",
      description:
        "Switching an operator onto the shared default-token account is refused (409) when one of its calendar names is already bound there by another operator (R5).",
      security,
      request: { params: IdParam, body: jsonBody(OperatorPatchSchema) },
      responses: { 200: jsonResponse(OperatorSchema, "The operator after the change"), ...errors(400, 404, 409, 413, 415) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { refreshToken, caldav, ...plain } = c.req.valid("json");
      const secrets = c.var.secrets;
      const row = await c.var.db.transaction(async (tx) => {
        await lockBindings(tx);
        const current = await loadOperator(tx, id);
        const provider = plain.provider ?? current.provider;
        const caldavColumns =
          caldav === undefined
            ? {}
            : caldav === null
              ? { caldavUrl: null, caldavUsername: null, caldavPasswordEnc: null }
              : {
                  caldavUrl: caldav.url,
                  caldavUsername: caldav.username,
                  caldavPasswordEnc: seal(secrets, caldav.password),
                };
        requireCaldavAccount(provider, caldav === null ? null : (caldav?.url ?? current.caldavUrl));
        const next = { ...current, ...plain };
        if (sharesDefaultAccount(next) && !sharesDefaultAccount(current)) {
          const own = await tx.select({ name: bindings.calendarName }).from(bindings).where(eq(bindings.operatorId, id));
          await refuseSharedAccountClash(tx, id, own.map((b) => b.name), () => "useConfigToken");
        }
        const [updated] = await tx
          .update(operators)
          .set({ ...plain, ...caldavColumns, refreshTokenEnc: seal(secrets, refreshToken), updatedAt: new Date() })
          .where(eq(operators.id, id))
          .returning();
        return updated;
      });
      return c.json(toApi(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      tags,
      summary: "Remove an operator and its calendar bindings",
      description:
        "Refused (409) while tasks (tombstones included) belong to the operator: move or purge them first. Calendar events stay in place (R15).",
      security,
      request: { params: IdParam },
      responses: { 204: { description: "Removed" }, ...errors(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const db = c.var.db;
      await loadOperator(db, id);
      const [{ n }] = await db.select({ n: count() }).from(tasks).where(eq(tasks.operatorId, id));
      if (n > 0) throw new ApiError("conflict", `the operator still owns ${n} task(s) (tombstones included)`);
      await db.delete(operators).where(eq(operators.id, id));
      return c.body(null, 204);
    },
  );
