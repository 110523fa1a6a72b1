import type { Finding } from '../../../core/model.js';
import type { Node } from '@pgsql/types';
import { astOf, rangeVar, stringList, unwrap, unwrapAll } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/**
 * UPDATE or DELETE of every row of a table that existed before the PR: without WHERE, or the
 * first backfill of a column the PR adds (`UPDATE … SET slug = … WHERE slug IS NULL` after
 * `ADD COLUMN slug`, with no statement writing slug between them), which every existing row
 * matches.
 */
export function unbatchedBackfill(sc: StatementContext): Finding[] {
  const update = astOf(sc.stmt, 'UpdateStmt');
  const del = astOf(sc.stmt, 'DeleteStmt');
  const a = update ?? del;
  if (!a || !sc.trace || sc.trace.error) return [];
  const table = sc.scope.table(rangeVar(a.relation));
  if (!table) return [];
  const added =
    update && a.whereClause
      ? newColumnsTestedNull(a.whereClause, (c) => sc.scope.hasColumn(table, c))
      : [];
  if (a.whereClause && !(added.length > 0 && firstFill(sc, added))) return [];
  const t = plainName(table);
  const verb = update ? 'UPDATE' : 'DELETE FROM';
  const rows = sc.trace.rowCount !== null ? ` (${sc.trace.rowCount} seeded rows here)` : '';
  const which = a.whereClause
    ? `WHERE ${added.map((c) => `${c} IS NULL`).join(' AND ')}, which every existing row matches (the PR adds ${added.join(', ')}),`
    : 'without WHERE';
  const message = `${verb} ${t} ${which} changes every row of a pre-existing table in one statement${rows}: each row stays locked against concurrent writes until the transaction commits, and the table's size in dead rows and WAL is written at once, which replicas must replay.`;
  const help = `Backfill in batches outside the migration (or in a migration of its own without a transaction): \`${verb} ${t} ... WHERE id BETWEEN $1 AND $2\`, committing after each batch.`;
  return [at(sc, R.unbatchedBackfill, message, help)];
}

/**
 * The columns a WHERE tests for NULL when it is nothing but such tests (joined by AND or OR) on
 * columns that did not exist before the PR; none when it tests anything else.
 */
function newColumnsTestedNull(where: Node, existed: (column: string) => boolean): string[] {
  const test = unwrap(where, 'NullTest');
  if (test) {
    const column = stringList(unwrap(test.arg, 'ColumnRef')?.fields).pop();
    return test.nulltesttype === 'IS_NULL' && column && !existed(column) ? [column] : [];
  }
  const bool = unwrap(where, 'BoolExpr');
  if (!bool || bool.boolop === 'NOT_EXPR') return [];
  const parts = (bool.args ?? []).map((arg) => newColumnsTestedNull(arg, existed));
  return parts.some((p) => p.length === 0) ? [] : [...new Set(parts.flat())];
}

/** This UPDATE sets the columns it tests, and no statement before it in the script set them. */
function firstFill(sc: StatementContext, columns: string[]): boolean {
  const sets = (stmt: StatementContext['stmt']) =>
    unwrapAll(astOf(stmt, 'UpdateStmt')?.targetList, 'ResTarget')
      .map((t) => t.name)
      .filter((n): n is string => !!n);
  if (!columns.every((c) => sets(sc.stmt).includes(c))) return false;
  const relname = (stmt: StatementContext['stmt']) => astOf(stmt, 'UpdateStmt')?.relation?.relname;
  const mine = relname(sc.stmt);
  return !sc.script.statements
    .slice(0, sc.index)
    .some((s) => relname(s) === mine && sets(s).some((n) => columns.includes(n)));
}
