// R3 task types ("event types") and what their calendar events show.
import { z } from "@hono/zod-openapi";
import { displayFields } from "../../db/enums.js";
import { featureName, text } from "./common.js";

const distinct = <T>(items: T[]) => new Set(items).size === items.length;

export const DisplaySchema = z
  .strictObject({
    fields: z.array(z.enum(displayFields)).max(displayFields.length).refine(distinct, { error: "lists a field twice" }).default([]),
    features: z
      .array(featureName)
      .max(50)
      .refine(distinct, { error: "lists a feature twice" })
      .default([])
      .openapi({ description: "Feature names shown in the event, in this order" }),
  })
  .openapi("Display");

export const EventTypeSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    googleSync: z.boolean(),
    display: z.object({ fields: z.array(z.enum(displayFields)), features: z.array(z.string()) }),
  })
  .openapi("EventType");

export const EventTypeCreateSchema = z
  .strictObject({
    name: text(200, 1).openapi({ example: "Sales offer" }),
    googleSync: z.boolean(),
    display: DisplaySchema.optional(),
  })
  .openapi("EventTypeCreate");

export const EventTypePatchSchema = EventTypeCreateSchema.partial().openapi("EventTypePatch");
