import type { Finding } from '../../../core/model.js';
import {
  astOf,
  constraintsOf,
  rangeVar,
  stringList,
  typeNameOf,
  unwrapAll,
} from '../../../sql/ast.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

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
export function newTableShape(sc: StatementContext): Finding[] {
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
