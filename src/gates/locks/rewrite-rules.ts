import type { Finding } from '../../core/model.js';
import {
  alterCmds,
  astOf,
  constraintsOf,
  hasOption,
  rangeVar,
  typeNameOf,
  unwrap,
  unwrapAll,
  type ColumnDef,
} from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { statementLabel } from './ast.js';
import { at, type StatementContext } from './context.js';
import { LOCKS as R } from '../../rules/index.js';

/**
 * Rewrites of pre-existing tables, decided by the trace (relfilenode changed), explained from the
 * statement. VACUUM FULL runs outside a transaction where the trace does not look, so it is
 * decided from the statement.
 */

const HELP: Record<string, string> = {
  AT_AlterColumnType:
    'Add a new column of the new type, backfill it in batches, switch the application to it, then drop the old column in a later release.',
  AT_AddColumn:
    'Add the column without a default (or with a constant one), then fill it in batches; a volatile default (random(), clock_timestamp(), gen_random_uuid()) is computed for every row.',
  AT_SetLogged:
    'Changing persistence copies the table; create the new table separately and move the rows in batches.',
  AT_SetUnLogged:
    'Changing persistence copies the table; create the new table separately and move the rows in batches.',
};
const GENERIC_HELP =
  'Avoid rewriting a table that serves traffic: use pg_repack for CLUSTER/VACUUM FULL, or an expand-and-contract change with batched backfills.';

/** What in the statement causes the rewrite, as words for the message. */
function cause(sc: StatementContext): { text: string; help: string } {
  for (const cmd of alterCmds(sc.stmt)) {
    const column = unwrap(cmd.def, 'ColumnDef');
    if (cmd.subtype === 'AT_AlterColumnType')
      return { text: ` because column ${cmd.name} changes type`, help: HELP.AT_AlterColumnType };
    const filled = cmd.subtype === 'AT_AddColumn' ? filledColumn(column) : undefined;
    if (filled) return { text: ` because ${filled}`, help: FILLED_HELP };
    if (cmd.subtype === 'AT_AddColumn' && column && hasDefault(column))
      return {
        text: ` because column ${column.colname} is added with a default evaluated for every row`,
        help: HELP.AT_AddColumn,
      };
    if (cmd.subtype === 'AT_SetLogged' || cmd.subtype === 'AT_SetUnLogged')
      return {
        text: ` because of ${cmd.subtype === 'AT_SetLogged' ? 'SET LOGGED' : 'SET UNLOGGED'}`,
        help: HELP[cmd.subtype],
      };
  }
  if (sc.stmt.kind === 'ClusterStmt')
    return { text: ' because CLUSTER copies it in index order', help: GENERIC_HELP };
  return { text: '', help: GENERIC_HELP };
}

const FILLED_HELP =
  'Adding it computes a value for every existing row. Add a plain nullable column instead, fill it in batches (a trigger keeps new rows filled), and switch the application to it; or create a new table and move the rows in batches.';
const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** A column whose value Postgres computes for every row when it is added: why, in words. */
function filledColumn(col: ColumnDef | undefined): string | undefined {
  const kinds = constraintsOf(col).map((c) => c.contype);
  if (kinds.includes('CONSTR_GENERATED'))
    return `stored generated column ${col?.colname} is computed for every row`;
  if (kinds.includes('CONSTR_IDENTITY'))
    return `identity column ${col?.colname} is numbered for every row`;
  if (SERIALS.has(typeNameOf(col)))
    return `serial column ${col?.colname} takes a sequence value for every row`;
  return undefined;
}

function hasDefault(col: ColumnDef | undefined): boolean {
  return constraintsOf(col).some((c) => c.contype === 'CONSTR_DEFAULT');
}

/**
 * Statements whose rewrite other rules report (REINDEX, REFRESH MATERIALIZED VIEW) or that are
 * not rewrites (TRUNCATE).
 */
const NOT_REWRITES = new Set(['TruncateStmt', 'ReindexStmt', 'RefreshMatViewStmt']);

export function tableRewrite(sc: StatementContext): Finding[] {
  if (!sc.trace?.rewritten.length || NOT_REWRITES.has(sc.stmt.kind)) return vacuumFull(sc);
  const keys = sc.trace.rewritten.map((r) => sc.scope.traceKey(r));
  const tableKeys = keys.filter((k) => sc.scope.isTable(k));
  const tables = tableKeys.map(plainName);
  // An index on a column whose type changes is dropped and built anew (a new oid), not rewritten.
  const retyped = alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_AlterColumnType' && c.name)
    .map((c) => c.name!);
  const rebuilt = tableKeys.flatMap((t) => sc.scope.indexesOn(t, retyped));
  const indexes = [...new Set([...keys.filter((k) => sc.scope.isIndex(k)), ...rebuilt])]
    .map(plainName)
    .sort();
  if (tables.length + indexes.length === 0) return [];
  const what = tables.length
    ? `rewrites pre-existing table ${tables.join(', ')}${indexes.length ? ` and rebuilds its indexes ${indexes.join(', ')}` : ''}`
    : `rebuilds indexes ${indexes.join(', ')} of a pre-existing table`;
  const why = cause(sc);
  const message = `${statementLabel(sc.stmt)} ${what}${why.text}, holding ACCESS EXCLUSIVE until it finishes (${sc.trace.durationMs} ms on the seeded rows; proportional to the table size in production).`;
  return [at(sc, R.tableRewrite, message, why.help)];
}

function vacuumFull(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'VacuumStmt');
  if (!a?.is_vacuumcmd || !hasOption(a.options, 'full')) return [];
  const rels = unwrapAll(a.rels, 'VacuumRelation').map((r) => r.relation);
  const tables = rels.map((r) => sc.scope.table(rangeVar(r))).filter((t): t is string => !!t);
  if (rels.length && !tables.length) return [];
  const what = tables.length
    ? `pre-existing table ${tables.map(plainName).join(', ')}`
    : 'every table of the database';
  const message = `VACUUM FULL rewrites ${what} under ACCESS EXCLUSIVE: every query on it waits for the whole copy.`;
  return [at(sc, R.tableRewrite, message, GENERIC_HELP)];
}
