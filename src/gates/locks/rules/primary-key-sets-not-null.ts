import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf, unwrap } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/**
 * ADD PRIMARY KEY USING INDEX adopts a built index, but a primary key's columns must be NOT NULL:
 * Postgres sets NOT NULL on those that are nullable and scans the table to prove it, under the
 * ACCESS EXCLUSIVE the statement holds. Decided for statements that ran.
 */
export function primaryKeySetsNotNull(sc: StatementContext): Finding[] {
  const { scope } = sc;
  const table = scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table || !sc.trace || sc.trace.error) return [];
  const cmds = alterCmds(sc.stmt);
  // A column set NOT NULL by the same statement is set-not-null-scan's finding.
  const setHere = new Set(cmds.filter((c) => c.subtype === 'AT_SetNotNull').map((c) => c.name));
  return cmds.flatMap((cmd) => {
    const c = unwrap(cmd.def, 'Constraint');
    if (cmd.subtype !== 'AT_AddConstraint' || c?.contype !== 'CONSTR_PRIMARY' || !c.indexname)
      return [];
    const columns = scope.indexColumnsOf(table, c.indexname) ?? [];
    const nullable = columns.filter(
      (col) =>
        col &&
        !setHere.has(col) &&
        !scope.isNotNull(table, col) &&
        !scope.hasValidatedNotNullCheck(table, col),
    );
    if (nullable.length === 0) return [];
    const t = plainName(table);
    const list = nullable.join(', ');
    const message = `ADD PRIMARY KEY USING INDEX ${c.indexname} on pre-existing table ${t} makes ${nullable.length > 1 ? 'columns' : 'column'} ${list} NOT NULL: Postgres scans the whole table to prove there is no NULL while holding ACCESS EXCLUSIVE.`;
    const help = `Make ${list} NOT NULL first without the scan: add \`CHECK (${nullable[0]} IS NOT NULL) NOT VALID\`, VALIDATE it in a later migration, SET NOT NULL (which then skips the scan), and only then ADD PRIMARY KEY USING INDEX.`;
    return [at(sc, R.primaryKeySetsNotNull, message, help)];
  });
}
