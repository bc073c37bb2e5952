// R4 operators and their calendar account. `provider` and `caldav` are an
// addition to SPEC's Google fields (CalDAV accounts); Google stays the default.
import { z } from "@hono/zod-openapi";
import { text } from "./common";

export const providers = ["google", "caldav"] as const;

const secret = z.string().min(1).max(4096);
const caldavUrl = z.url({ protocol: /^https?$/ }).max(2000).openapi({ example: "https://dav.example.com/dav/" });

export const OperatorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    googleEnabled: z.boolean().openapi({ description: "Calendar synchronization on for this operator" }),
    useConfigToken: z.boolean().openapi({ description: "Use the settings' default refresh token (the company account)" }),
    refreshTokenSet: z.boolean(),
    provider: z.enum(providers),
    caldav: z.object({ url: z.string(), username: z.string(), passwordSet: z.boolean() }).nullable(),
  })
  .openapi("Operator");

const operatorFields = {
  name: text(200, 1).openapi({ example: "Anna Nowak" }),
  googleEnabled: z.boolean(),
  useConfigToken: z.boolean(),
  provider: z.enum(providers).openapi({ description: "Calendar provider; default google" }),
};

export const OperatorCreateSchema = z
  .strictObject({
    ...operatorFields,
    refreshToken: secret.optional().openapi({ description: "Individual Google refresh token; write-only" }),
    provider: operatorFields.provider.default("google"),
    caldav: z
      .strictObject({ url: caldavUrl, username: text(200, 1), password: secret.optional().openapi({ description: "Write-only" }) })
      .optional()
      .openapi({ description: "Required when provider is caldav" }),
  })
  .openapi("OperatorCreate");

export const OperatorPatchSchema = z
  .strictObject({
    ...operatorFields,
    refreshToken: secret.nullable().openapi({ description: "Write-only; null clears it" }),
    caldav: z
      .strictObject({
        url: caldavUrl,
        username: text(200, 1),
        password: secret.nullable().openapi({ description: "Write-only; null clears it" }),
      })
      .partial()
      .nullable()
      .openapi({ description: "Merged into the current CalDAV account; null removes it (google operators only)" }),
  })
  .partial()
  .openapi("OperatorPatch");

export const CalendarBindingSchema = z
  .object({ bindingId: z.uuid(), eventTypeId: z.uuid(), calendarName: z.string() })
  .openapi("CalendarBinding");

export const CalendarBindingsPutSchema = z
  .array(
    z.strictObject({
      eventTypeId: z.uuid(),
      calendarName: text(255, 1).openapi({ example: "Sales offers", description: "Compared exactly as typed, after trimming" }),
    }),
  )
  .max(100)
  .openapi("CalendarBindingsPut");
