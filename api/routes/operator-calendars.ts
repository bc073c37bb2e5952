// /api/operators/{id}/calendars: an operator's bindings of task types to
// calendar names (R5), replaced as a whole set in one transaction.
import { createRoute, z } from "@hono/zod-openapi";
import { lockBindings, operatorBindings, replaceOperatorBindings } from "../../db/queries/bindings.js";
import { eventTypesByIds } from "../../db/queries/event-types.js";
import { audit } from "../audit.js";
import { refuseSharedAccountClash, sharesCompanyAccount } from "../calendar-account.js";
import { ApiError, invalidReference } from "../errors.js";
import { loadOperator } from "../load-operator.js";
import { createRouter } from "../router.js";
import { errors, IdParam, jsonBody, jsonResponse, security } from "../schemas/common.js";
import { CalendarBindingSchema, CalendarBindingsPutSchema } from "../schemas/operators.js";

type Wanted = z.infer<typeof CalendarBindingsPutSchema>;

/** Checks that need only the body: one binding per type, one type per calendar name. */
function refuseDuplicates(wanted: Wanted) {
  const typeAt = new Map<string, number>();
  const nameAt = new Map<string, number>();
  wanted.forEach(({ eventTypeId, calendarName }, i) => {
    const sameType = typeAt.get(eventTypeId);
    if (sameType !== undefined) {
      const message = `event type already bound at [${sameType}]: one binding per (operator, type)`;
      throw new ApiError("invalid_input", `invalid body: [${i}].eventTypeId: ${message}`, [{ path: `[${i}].eventTypeId`, message }]);
    }
    const sameName = nameAt.get(calendarName);
    if (sameName !== undefined) {
      const message = `calendar ${JSON.stringify(calendarName)} is already bound at [${sameName}]: a calendar takes one type`;
      throw new ApiError("conflict", `[${i}].calendarName: ${message}`, [{ path: `[${i}].calendarName`, message }]);
    }
    typeAt.set(eventTypeId, i);
    nameAt.set(calendarName, i);
  });
}

const tags = ["operator calendars"];

export const operatorCalendarRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/calendars",
      tags,
      summary: "List an operator's calendar bindings",
      security,
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.array(CalendarBindingSchema), "Bindings, by calendar name"), ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await loadOperator(c.var.db, id);
      return c.json(await operatorBindings(c.var.db, id), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/calendars",
      tags,
      summary: "Replace an operator's calendar bindings",
      description: [
        "Unchanged (type, name) pairs keep their binding id and sync state; a new name for a type is a different calendar,",
        "so that binding's sync state and event links are dropped (its events stay in the old calendar, R15).",
        "Refused: an unknown type (422), a type whose googleSync is false (422), one calendar name for two types (409),",
        "or a name another operator already binds on the shared company account (useConfigToken; 409).",
      ].join(" "),
      security,
      request: { params: IdParam, body: jsonBody(CalendarBindingsPutSchema) },
      responses: {
        200: jsonResponse(z.array(CalendarBindingSchema), "The bindings now in place"),
        ...errors(400, 404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const wanted = c.req.valid("json");
      refuseDuplicates(wanted);
      const result = await c.var.db.transaction(async (tx) => {
        await lockBindings(tx);
        const operator = await loadOperator(tx, id);
        const typeIds = wanted.map((w) => w.eventTypeId);
        const types = await eventTypesByIds(tx, typeIds);
        const typeById = new Map(types.map((t) => [t.id, t]));
        wanted.forEach(({ eventTypeId }, i) => {
          const type = typeById.get(eventTypeId);
          if (!type) throw invalidReference(`[${i}].eventTypeId`, "event type", eventTypeId);
          if (!type.syncEnabled) {
            const message = `event type ${type.name} is not synchronized (googleSync is false)`;
            throw new ApiError("type_not_synchronized", `[${i}].eventTypeId: ${message}`, [{ path: `[${i}].eventTypeId`, message }]);
          }
        });
        if (sharesCompanyAccount(c.var.providers, operator)) {
          const indexOf = new Map(wanted.map((w, i) => [w.calendarName, i]));
          await refuseSharedAccountClash(tx, operator, [...indexOf.keys()], (name) => `[${indexOf.get(name)}].calendarName`);
        }

        await replaceOperatorBindings(tx, id, wanted);
        await audit(c, tx, "bindings", id, { bindings: wanted });
        return operatorBindings(tx, id);
      });
      return c.json(result, 200);
    },
  );
