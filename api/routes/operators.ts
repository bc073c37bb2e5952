// /api/operators: operators (R4) and their calendar account on a registered
// provider. Secrets are sealed on the way in, bound to the operator, and only
// reported as set (R2).
import { randomUUID } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { ProviderRegistry, RegisteredProvider } from "../../adapters/registry.js";
import { lockBindings } from "../../db/queries/bindings.js";
import {
  deleteOperator,
  insertOperator,
  listOperators,
  type OperatorRow,
  operatorCalendarNames,
  operatorTaskCount,
  updateOperator,
} from "../../db/queries/operators.js";
import type { StoredFields } from "../../db/sealed-fields.js";
import { audit } from "../audit.js";
import { refuseSharedAccountClash, sharesCompanyAccount } from "../calendar-account.js";
import { ApiError } from "../errors.js";
import { loadOperator } from "../load-operator.js";
import { accountOwner, accountSpec, accountView, providerNamed, sentAccount } from "../operator-accounts.js";
import { maskSecrets, mergeFields, storeChecked } from "../provider-fields.js";
import { createRouter } from "../router.js";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common.js";
import { legacyAliases, operatorSchemas } from "../schemas/operators.js";

type Fields = Record<string, unknown>;

/** The request as the audit log keeps it: every secret of the provider's account masked, whatever its name. */
function auditedChange(providers: ProviderRegistry, provider: RegisteredProvider, body: Fields, dropped: string[] = []): Fields {
  const spec = accountSpec(provider);
  const change: Fields = { ...body };
  if (body.account !== undefined) change.account = maskSecrets(spec, body.account);
  for (const alias of legacyAliases(providers)) {
    const value = body[alias.name];
    if (value === undefined) continue;
    change[alias.name] = alias.kind === "object" ? maskSecrets(spec, value) : alias.secret && value !== null ? "***" : value;
  }
  // Secrets a move to another server cleared are part of the change, though the request did not name them.
  // They go where the request put the account (`account` or its legacy alias), so the entry reads as one object.
  const sentAs =
    legacyAliases(providers).find((alias) => alias.kind === "object" && body[alias.name] !== undefined && body.account === undefined)?.name ??
    "account";
  if (dropped.length > 0) change[sentAs] = { ...(change[sentAs] as Fields | undefined), ...Object.fromEntries(dropped.map((name) => [name, null])) };
  return change;
}

const tags = ["operators"];

export function operatorRoutes(providers: ProviderRegistry) {
  const { Operator, OperatorCreate, OperatorPatch } = operatorSchemas(providers);
  const toApi = (row: OperatorRow) => ({
    id: row.id,
    name: row.name,
    googleEnabled: row.syncEnabled,
    useConfigToken: row.useConfigToken,
    provider: row.provider,
    ...accountView(providers, row),
  });

  return createRouter()
    .openapi(
      createRoute({
        method: "post",
        path: "/",
        tags,
        summary: "Create an operator",
        description:
          "`account` is checked against the schema of the provider named by `provider` (default google); a provider's first-release fields (refreshToken, caldav) work too.",
        security,
        request: { body: jsonBody(OperatorCreate) },
        responses: { 201: jsonResponse(Operator, "The new operator"), ...errors(400, 413, 415) },
      }),
      async (c) => {
        const body = c.req.valid("json") as Fields & { name: string; googleEnabled: boolean; useConfigToken: boolean; provider: string };
        const provider = providerNamed(providers, body.provider);
        const { fields, path } = sentAccount(providers, provider, body);
        // The id is chosen here: the operator's secrets are sealed bound to it.
        const id = randomUUID();
        const stored = storeChecked(accountSpec(provider), fields ?? {}, path, c.var.secrets, accountOwner(id));
        const row = await c.var.db.transaction(async (tx) => {
          const created = await insertOperator(tx, {
            id,
            name: body.name,
            syncEnabled: body.googleEnabled,
            useConfigToken: body.useConfigToken,
            provider: provider.definition.id,
            account: stored.values,
            accountSecrets: stored.secrets,
          });
          await audit(c, tx, "operator", id, auditedChange(providers, provider, body));
          return created;
        });
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
        responses: { 200: jsonResponse(z.array(Operator), "All operators, by name"), ...errors() },
      }),
      async (c) => c.json((await listOperators(c.var.db)).map(toApi), 200),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{id}",
        tags,
        summary: "Read one operator",
        security,
        request: { params: IdParam },
        responses: { 200: jsonResponse(Operator, "The operator"), ...errors(404) },
      }),
      async (c) => c.json(toApi(await loadOperator(c.var.db, c.req.valid("param").id)), 200),
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/{id}",
        tags,
        summary: "Change an operator",
        description: [
          "`account` is merged into the current account (null clears a field); with a new `provider` it is the whole new account.",
          "Switching an operator onto a provider's shared company account (useConfigToken) is refused (409) when one of its calendar names is already bound there by another operator (R5).",
          "An account moved where its secrets were not given for (CalDAV: a `url` on another origin) loses the saved secrets unless the change gives them again.",
        ].join(" "),
        security,
        request: { params: IdParam, body: jsonBody(OperatorPatch) },
        responses: { 200: jsonResponse(Operator, "The operator after the change"), ...errors(400, 404, 409, 413, 415) },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        const body = c.req.valid("json") as Fields & { name?: string; googleEnabled?: boolean; useConfigToken?: boolean; provider?: string };
        const plain = {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.googleEnabled !== undefined ? { syncEnabled: body.googleEnabled } : {}),
          ...(body.useConfigToken !== undefined ? { useConfigToken: body.useConfigToken } : {}),
        };
        const row = await c.var.db.transaction(async (tx) => {
          await lockBindings(tx);
          const current = await loadOperator(tx, id);
          const provider = providerNamed(providers, body.provider ?? current.provider);
          const { fields, path } = sentAccount(providers, provider, body);
          const switched = provider.definition.id !== current.provider;
          let account: StoredFields | undefined;
          let dropped: string[] = [];
          if (switched || fields === null) {
            // Another provider's account shares nothing with the old one.
            account = storeChecked(accountSpec(provider), fields ?? {}, path, c.var.secrets, accountOwner(id));
          } else if (fields !== undefined) {
            ({ stored: account, dropped } = mergeFields(
              accountSpec(provider),
              { values: current.account, secrets: current.accountSecrets },
              fields,
              c.var.secrets,
              accountOwner(id),
              path,
            ));
          }
          const next = { ...current, ...plain, provider: provider.definition.id };
          const joinsShared = sharesCompanyAccount(providers, next) && !(sharesCompanyAccount(providers, current) && !switched);
          if (joinsShared) await refuseSharedAccountClash(tx, next, await operatorCalendarNames(tx, id), () => "useConfigToken");
          const updated = await updateOperator(tx, id, {
            ...plain,
            provider: next.provider,
            ...(account ? { account: account.values, accountSecrets: account.secrets } : {}),
          });
          await audit(c, tx, "operator", id, auditedChange(providers, provider, body, dropped));
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
        const current = await loadOperator(db, id);
        const n = await operatorTaskCount(db, id);
        if (n > 0) throw new ApiError("conflict", `the operator still owns ${n} task(s) (tombstones included)`);
        await db.transaction(async (tx) => {
          await deleteOperator(tx, id);
          await audit(c, tx, "operator", id, { deleted: true, name: current.name });
        });
        return c.body(null, 204);
      },
    );
}
