// GET/PATCH /api/settings: the single settings row (id 1, seeded by the migration).
import { createRoute } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/database";
import type { SecretBox } from "../../db/secret-box";
import { settings } from "../../db/schema";
import { createRouter } from "../router";
import { errors, jsonBody, jsonResponse, security } from "../schemas/common";
import { SettingsPatchSchema, SettingsSchema, type conflictPolicies } from "../schemas/settings";

type SettingsRow = typeof settings.$inferSelect;

function toApi(row: SettingsRow) {
  return {
    googleClientId: row.googleClientId,
    googleClientSecretSet: row.googleClientSecretEnc !== null,
    defaultRefreshTokenSet: row.defaultRefreshTokenEnc !== null,
    monthsBack: row.monthsBack,
    timeZone: row.timeZone,
    conflictPolicy: row.conflictPolicy as (typeof conflictPolicies)[number],
    pollIntervalSeconds: row.pollIntervalSeconds,
    googleRequestsPerMinute: row.googleRequestsPerMinute,
  };
}

async function load(db: Db) {
  const [row] = await db.select().from(settings).where(eq(settings.id, 1));
  return row;
}

/** undefined leaves a secret alone, null clears it, a string replaces it. */
const sealOrClear = (secrets: SecretBox, value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : secrets.seal(value);

export const settingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["settings"],
      summary: "Read the settings (secrets show only whether they are set)",
      security,
      responses: { 200: jsonResponse(SettingsSchema, "The settings"), ...errors() },
    }),
    async (c) => c.json(toApi(await load(c.var.db)), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/",
      tags: ["settings"],
      summary: "Change any of the settings",
      security,
      request: { body: jsonBody(SettingsPatchSchema) },
      responses: { 200: jsonResponse(SettingsSchema, "The settings after the change"), ...errors(400, 413, 415) },
    }),
    async (c) => {
      const { googleClientSecret, defaultRefreshToken, ...plain } = c.req.valid("json");
      const change = {
        ...plain,
        googleClientSecretEnc: sealOrClear(c.var.secrets, googleClientSecret),
        defaultRefreshTokenEnc: sealOrClear(c.var.secrets, defaultRefreshToken),
        updatedAt: new Date(),
      };
      const [row] = await c.var.db.update(settings).set(change).where(eq(settings.id, 1)).returning();
      return c.json(toApi(row), 200);
    },
  );
