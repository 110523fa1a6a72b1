import type { Finding } from '../../../core/model.js';
import { astOf, rangeVar } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/** UPDATE or DELETE without WHERE on a table that existed before the PR. */
export function unbatchedBackfill(sc: StatementContext): Finding[] {
  const update = astOf(sc.stmt, 'UpdateStmt');
  const del = astOf(sc.stmt, 'DeleteStmt');
  const a = update ?? del;
  if (!a || a.whereClause || !sc.trace || sc.trace.error) return [];
  const table = sc.scope.table(rangeVar(a.relation));
  if (!table) return [];
  const t = plainName(table);
  const verb = update ? 'UPDATE' : 'DELETE FROM';
  const rows = sc.trace.rowCount !== null ? ` (${sc.trace.rowCount} seeded rows here)` : '';
  const message = `${verb} ${t} without WHERE changes every row of a pre-existing table in one statement${rows}: each row stays locked against concurrent writes until the transaction commits, and the table's size in dead rows and WAL is written at once, which replicas must replay.`;
  const help = `Backfill in batches outside the migration (or in a migration of its own without a transaction): \`${verb} ${t} ... WHERE id BETWEEN $1 AND $2\`, committing after each batch.`;
  return [at(sc, R.unbatchedBackfill, message, help)];
}
