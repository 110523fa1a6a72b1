import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf, unwrap } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

export function constraintWithoutNotValid(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    const c = unwrap(cmd.def, 'Constraint');
    if (cmd.subtype !== 'AT_AddConstraint' || c?.skip_validation) return [];
    if (c?.contype !== 'CONSTR_FOREIGN' && c?.contype !== 'CONSTR_CHECK') return [];
    const fk = c.contype === 'CONSTR_FOREIGN';
    const name = c.conname ? `${c.conname} ` : '';
    const lock = fk
      ? 'SHARE ROW EXCLUSIVE (writes wait)'
      : 'ACCESS EXCLUSIVE (reads and writes wait)';
    const message = `ADD CONSTRAINT ${name}${fk ? 'FOREIGN KEY' : 'CHECK'} on pre-existing table ${plainName(table)} without NOT VALID checks every existing row while holding ${lock}.`;
    const help = `Add the constraint with NOT VALID, then run \`ALTER TABLE ${plainName(table)} VALIDATE CONSTRAINT ${c.conname ?? '<name>'}\` in a later migration; VALIDATE only takes SHARE UPDATE EXCLUSIVE.`;
    return [at(sc, R.constraintWithoutNotValid, message, help)];
  });
}
