import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/** DROP NOT NULL on a column that was NOT NULL before the PR. */
export function dropNotNull(sc: StatementContext): Finding[] {
  const { scope } = sc;
  const table = scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_DropNotNull' && c.name && scope.isNotNull(table, c.name))
    .map((c) => {
      const column = `${plainName(table)}.${c.name}`;
      const message = `DROP NOT NULL on ${column}: the running application, and functions, views and reports that read ${column}, rely on it never being NULL; the first NULL written breaks them.`;
      const help = `First deploy code that handles NULL in ${column} (or keep the column NOT NULL and write a marker value), then drop the constraint in a later release.`;
      return at(sc, R.dropNotNull, message, help);
    });
}
