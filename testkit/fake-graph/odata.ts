import { badRequest, notModelled } from "./graph-errors.js";
import type { IdForm } from "./ids.js";

/** The `Prefer` preferences the fake honours, from one or several Prefer headers. */
export interface Preferences {
  idForm: IdForm;
  timeZone?: string;
  bodyType?: "text" | "html";
  maxPageSize?: number;
  /** For the Preference-Applied answer header. */
  applied: string[];
}

export function parsePrefer(header: string | string[] | undefined): Preferences {
  const text = Array.isArray(header) ? header.join(", ") : (header ?? "");
  const applied: string[] = [];
  const idForm: IdForm = /IdType\s*=\s*"?ImmutableId"?/i.test(text) ? "immutable" : "rest";
  if (idForm === "immutable") applied.push('IdType="ImmutableId"');
  const zone = /outlook\.timezone\s*=\s*(?:"([^"]*)"|([^,\s]+))/i.exec(text);
  const timeZone = zone ? (zone[1] ?? zone[2]) : undefined;
  if (timeZone !== undefined) applied.push(`outlook.timezone="${timeZone}"`);
  const body = /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(text);
  const bodyType = body ? (body[1].toLowerCase() as "text" | "html") : undefined;
  if (bodyType) applied.push(`outlook.body-content-type="${bodyType}"`);
  const page = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  const maxPageSize = page ? Number(page[1]) : undefined;
  if (maxPageSize) applied.push(`odata.maxpagesize=${maxPageSize}`);
  return { idForm, timeZone, bodyType, maxPageSize: maxPageSize || undefined, applied };
}

/** `$expand=singleValueExtendedProperties($filter=id eq '…' [or id eq '…'])` → the ids; no $expand → undefined. */
export function parseExpand(value: string | undefined): string[] | "all" | undefined {
  if (value === undefined) return undefined;
  const match = /^singleValueExtendedProperties(?:\(\$filter=(.*)\))?$/i.exec(value.trim());
  if (!match) throw notModelled(`$expand=${value}`);
  if (match[1] === undefined) return "all";
  const ids = [...match[1].matchAll(/id\s+eq\s+'((?:[^']|'')*)'/gi)].map((m) => m[1].replace(/''/g, "'"));
  if (!ids.length) throw badRequest("BadRequest", `Invalid filter clause: ${match[1]}`);
  return ids;
}

/** The one $filter on events the fake models: `singleValueExtendedProperties/any(ep: ep/id eq '…' [and ep/value eq '…'])`. */
export function parseExtendedFilter(value: string | undefined): { id: string; value?: string } | undefined {
  if (value === undefined) return undefined;
  const match =
    /^singleValueExtendedProperties\/any\((\w+):\s*\1\/id\s+eq\s+'((?:[^']|'')*)'(?:\s+and\s+\1\/value\s+eq\s+'((?:[^']|'')*)')?\)$/i.exec(
      value.trim(),
    );
  if (!match) throw notModelled(`$filter=${value}`);
  return { id: match[2].replace(/''/g, "'"), value: match[3]?.replace(/''/g, "'") };
}

export function parseSelect(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((s) => s.trim());
}

/** A non-negative integer query option ($top, $skip). */
export function parseCount(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw badRequest("BadRequest", `Invalid value '${value}' for query option ${name}.`);
  return count;
}
