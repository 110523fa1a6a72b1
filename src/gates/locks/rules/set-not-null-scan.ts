import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

export function setNotNull(sc: StatementContext): Finding[] {
  const { scope } = sc;
  const table = scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_SetNotNull' && c.name)
    .filter((c) => scope.hasColumn(table, c.name!) && !scope.isNotNull(table, c.name!))
    .filter((c) => !scope.hasValidatedNotNullCheck(table, c.name!))
    .map((c) => {
      const t = plainName(table);
      const message = `SET NOT NULL on ${t}.${c.name} scans the whole pre-existing table under ACCESS EXCLUSIVE to prove there is no NULL.`;
      const help = `First add \`CHECK (${c.name} IS NOT NULL) NOT VALID\` and VALIDATE it in a later migration; SET NOT NULL then uses the validated check and skips the scan (drop the check afterwards).`;
      return at(sc, R.setNotNull, message, help);
    });
}
