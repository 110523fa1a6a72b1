import type { Finding } from '../../../core/model.js';
import {
  alterCmds,
  constraintsOf,
  rangeVar,
  relationOf,
  unwrap,
  type ColumnDef,
} from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

export function constraintIndexInPlace(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    if (cmd.subtype === 'AT_AddColumn') return columnIndex(sc, table, unwrap(cmd.def, 'ColumnDef'));
    const c = unwrap(cmd.def, 'Constraint');
    if (cmd.subtype !== 'AT_AddConstraint' || !c) return [];
    const kinds: Record<string, string> = {
      CONSTR_UNIQUE: 'UNIQUE',
      CONSTR_PRIMARY: 'PRIMARY KEY',
      CONSTR_EXCLUSION: 'EXCLUDE',
    };
    const kind = kinds[c.contype ?? ''];
    if (!kind || c.indexname) return [];
    const name = c.conname ? `${c.conname} ` : '';
    const message = `ADD CONSTRAINT ${name}${kind} on pre-existing table ${plainName(table)} builds its index in place under ACCESS EXCLUSIVE: every query on ${plainName(table)} waits for the build.`;
    const help =
      kind === 'EXCLUDE'
        ? 'An EXCLUDE constraint cannot use an existing index; add it while the table is small, or enforce the rule another way.'
        : `Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then \`ALTER TABLE ${plainName(table)} ADD CONSTRAINT ... ${kind} USING INDEX <index>\`.`;
    return [at(sc, R.constraintIndexInPlace, message, help)];
  });
}

/** ADD COLUMN ... UNIQUE / PRIMARY KEY: the new column's index is built over every row. */
function columnIndex(sc: StatementContext, table: string, col: ColumnDef | undefined): Finding[] {
  const k = constraintsOf(col).find(
    (c) => c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY',
  );
  if (!col || !k) return [];
  const kind = k.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
  const t = plainName(table);
  const message = `ADD COLUMN ${col.colname} ${kind} on pre-existing table ${t} builds a unique index over every row in place under ACCESS EXCLUSIVE: every query on ${t} waits for the build.`;
  const help = `Add the column without ${kind}, build the index with CREATE UNIQUE INDEX CONCURRENTLY in its own migration, then \`ALTER TABLE ${t} ADD CONSTRAINT ... ${kind} USING INDEX <index>\`.`;
  return [at(sc, R.constraintIndexInPlace, message, help)];
}
