// One array parameter instead of a parameter per element: a query naming
// thousands of ids stays one short statement to build and bind.

/** A PostgreSQL array literal with every element quoted, so commas, braces and quotes in a value stay inside it; cast it in SQL (`::text[]`, `::uuid[]`). */
export function arrayLiteral(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, "\\$&")}"`).join(",")}}`;
}
