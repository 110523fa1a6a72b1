import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf, unwrap } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/**
 * ADD CONSTRAINT ... NOT VALID followed by VALIDATE CONSTRAINT in the same transaction: the lock
 * the first took (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) is held
 * until the commit, so the validation scans under it and NOT VALID saves nothing.
 */
export function validateInSameTransaction(sc: StatementContext): Finding[] {
  const { stmt, scope, layout, script } = sc;
  const table = scope.table(rangeVar(relationOf(stmt)));
  if (!table || !layout.inBlock[sc.index]) return [];
  return alterCmds(stmt)
    .filter((c) => c.subtype === 'AT_ValidateConstraint' && c.name)
    .flatMap((c) => {
      const added = script.statements.slice(0, sc.index).findIndex(
        (s, i) =>
          layout.group[i] === layout.group[sc.index] &&
          scope.table(rangeVar(relationOf(s))) === table &&
          alterCmds(s).some((a) => {
            const k = unwrap(a.def, 'Constraint');
            return a.subtype === 'AT_AddConstraint' && k?.skip_validation && k.conname === c.name;
          }),
      );
      if (added < 0) return [];
      const addedAt = script.statements[added];
      const fk = alterCmds(addedAt).some(
        (a) => unwrap(a.def, 'Constraint')?.contype === 'CONSTR_FOREIGN',
      );
      const lock = fk
        ? 'SHARE ROW EXCLUSIVE (writes wait)'
        : 'ACCESS EXCLUSIVE (reads and writes wait)';
      const t = plainName(table);
      const message = `VALIDATE CONSTRAINT ${c.name} runs in the same transaction as the ADD CONSTRAINT ... NOT VALID at line ${addedAt.line}: the ${lock} it took on ${t} is held until the commit, so the validation scans every row under it and NOT VALID saves nothing.`;
      const help = `Commit in between: validate in a later migration, where \`ALTER TABLE ${t} VALIDATE CONSTRAINT ${c.name}\` only takes SHARE UPDATE EXCLUSIVE.`;
      return [at(sc, R.validateInSameTransaction, message, help)];
    });
}
