import type { Db } from "../db/database.js";
import { type OperatorRow, operatorById } from "../db/queries/operators.js";
import { notFound } from "./errors.js";

/** The operator, or the API's 404 naming it. */
export async function loadOperator(db: Db, id: string): Promise<OperatorRow> {
  const row = await operatorById(db, id);
  if (!row) throw notFound("operator", id);
  return row;
}
