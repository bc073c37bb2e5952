// R1 settings as the API shows and takes them; secrets are write-only (R2).
import { z } from "@hono/zod-openapi";
import { ianaZone, text } from "./common";

export const conflictPolicies = ["latest-wins", "crm-wins", "google-wins"] as const;

const secret = z.string().min(1).max(4096);

export const SettingsSchema = z
  .object({
    googleClientId: z.string(),
    googleClientSecretSet: z.boolean(),
    defaultRefreshTokenSet: z.boolean(),
    monthsBack: z.int(),
    timeZone: z.string(),
    conflictPolicy: z.enum(conflictPolicies),
    pollIntervalSeconds: z.int(),
    googleRequestsPerMinute: z.int(),
  })
  .openapi("Settings");

export const SettingsPatchSchema = z
  .strictObject({
    googleClientId: text(500),
    googleClientSecret: secret.nullable().openapi({ description: "Write-only; null clears it" }),
    defaultRefreshToken: secret.nullable().openapi({ description: "Write-only; null clears it" }),
    monthsBack: z.int().min(0).max(120),
    timeZone: ianaZone,
    conflictPolicy: z.enum(conflictPolicies),
    pollIntervalSeconds: z.int().min(1).max(86_400),
    googleRequestsPerMinute: z.int().min(1).max(10_000),
  })
  .partial()
  .openapi("SettingsPatch");
