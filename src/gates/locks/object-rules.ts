import type { Finding } from '../../core/model.js';
import {
  alterCmds,
  astOf,
  constraintsOf,
  listName,
  rangeVar,
  relationOf,
  stringList,
  typeNameOf,
  unwrapAll,
} from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { at, type StatementContext } from './context.js';
import { LOCK_RULES as R } from './rules.js';

/** Dropping or renaming what existed before the PR, and the shape of the tables it adds. */

const DROP_HELP =
  'Deploy code that no longer uses it first, and drop it in a later release; the running application still reads it while this migration runs.';
const RENAME_HELP =
  'The running application still uses the old name. Add the new object, write to both, switch readers, and drop the old one in a later release (or use a view with the old name meanwhile).';

function drops(sc: StatementContext): Finding[] {
  const { stmt, scope } = sc;
  const drop = astOf(stmt, 'DropStmt');
  if (drop?.removeType === 'OBJECT_TABLE') {
    return (drop.objects ?? [])
      .map((o) => scope.table(listName(o)))
      .filter((t): t is string => !!t)
      .map((t) =>
        at(
          sc,
          R.dropExisting,
          `DROP TABLE ${plainName(t)} removes a table that existed before this PR, with its rows.`,
          DROP_HELP,
        ),
      );
  }
  const truncate = astOf(stmt, 'TruncateStmt');
  if (truncate) {
    return unwrapAll(truncate.relations, 'RangeVar')
      .map((r) => scope.table(rangeVar(r)))
      .filter((t): t is string => !!t)
      .map((t) =>
        at(
          sc,
          R.dropExisting,
          `TRUNCATE ${plainName(t)} removes every row of a table that existed before this PR.`,
          DROP_HELP,
        ),
      );
  }
  const table = scope.table(rangeVar(relationOf(stmt)));
  if (!table) return [];
  return alterCmds(stmt)
    .filter((c) => c.subtype === 'AT_DropColumn' && c.name && scope.hasColumn(table, c.name))
    .map((c) =>
      at(
        sc,
        R.dropExisting,
        `DROP COLUMN ${plainName(table)}.${c.name} removes a column that existed before this PR, with its data.`,
        DROP_HELP,
      ),
    );
}

function renames(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'RenameStmt');
  if (!a) return [];
  const table = sc.scope.table(rangeVar(a.relation));
  if (!table) return [];
  if (a.renameType === 'OBJECT_TABLE')
    return [
      at(
        sc,
        R.renameExisting,
        `RENAME of table ${plainName(table)} to ${a.newname} breaks every query of the running application that names ${plainName(table)}.`,
        RENAME_HELP,
      ),
    ];
  if (a.renameType === 'OBJECT_COLUMN' && sc.scope.hasColumn(table, a.subname ?? ''))
    return [
      at(
        sc,
        R.renameExisting,
        `RENAME COLUMN ${plainName(table)}.${a.subname} to ${a.newname} breaks every query of the running application that uses ${plainName(table)}.${a.subname}.`,
        RENAME_HELP,
      ),
    ];
  return [];
}

const INT32 = new Set([
  'int4',
  'int',
  'integer',
  'serial',
  'serial4',
  'int2',
  'smallint',
  'smallserial',
  'serial2',
]);

/** json columns and 32-bit primary keys of tables the PR creates. */
function newTableShape(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'CreateStmt');
  if (!a || a.partbound) return [];
  if (a.if_not_exists && sc.scope.table(rangeVar(a.relation))) return [];
  const table = rangeVar(a.relation)?.name ?? '?';
  const columns = unwrapAll(a.tableElts, 'ColumnDef');
  const tableConstraints = unwrapAll(a.tableElts, 'Constraint');
  const out: Finding[] = [];
  const json = columns.filter((c) => typeNameOf(c) === 'json').map((c) => c.colname);
  if (json.length)
    out.push(
      at(
        sc,
        R.jsonColumn,
        `New table ${table} stores ${json.join(', ')} as json; jsonb can be indexed, compared and is faster to query.`,
        'Use jsonb unless the exact text (key order, duplicate keys) must be kept.',
      ),
    );
  const inlinePk = columns.find((c) =>
    constraintsOf(c).some((k) => k.contype === 'CONSTR_PRIMARY'),
  );
  const keys = stringList(tableConstraints.find((k) => k.contype === 'CONSTR_PRIMARY')?.keys);
  const pk =
    inlinePk ?? (keys.length === 1 ? columns.find((c) => c.colname === keys[0]) : undefined);
  if (pk && INT32.has(typeNameOf(pk)))
    out.push(
      at(
        sc,
        R.intPrimaryKey,
        `New table ${table} has a 32-bit primary key ${pk.colname} (${typeNameOf(pk)}): it runs out after about 2.1 billion rows, and widening it later rewrites the table.`,
        'Use bigint (bigserial or bigint GENERATED ALWAYS AS IDENTITY) for primary keys.',
      ),
    );
  return out;
}

export const OBJECT_RULES: Array<(sc: StatementContext) => Finding[]> = [
  drops,
  renames,
  newTableShape,
];
