import type { Finding } from '../../../core/model.js';
import {
  alterCmds,
  constraintsOf,
  rangeVar,
  relationOf,
  typeNameOf,
  unwrap,
} from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export function notNullColumnWithoutDefault(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    const col = unwrap(cmd.def, 'ColumnDef');
    if (cmd.subtype !== 'AT_AddColumn' || !col) return [];
    const kinds = constraintsOf(col).map((c) => c.contype);
    const required = kinds.includes('CONSTR_NOTNULL') || kinds.includes('CONSTR_PRIMARY');
    const filled = (['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'] as const).some((k) =>
      kinds.includes(k),
    );
    if (!required || filled || SERIALS.has(typeNameOf(col))) return [];
    const message = `ADD COLUMN ${col.colname} NOT NULL without a default on pre-existing table ${plainName(table)} fails as soon as the table has a row.`;
    const help = `Add the column with a constant DEFAULT (no rewrite since Postgres 11), or add it nullable, backfill in batches, then enforce NOT NULL through a validated CHECK.`;
    return [at(sc, R.notNullColumn, message, help)];
  });
}
