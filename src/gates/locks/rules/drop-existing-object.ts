import type { Finding } from '../../../core/model.js';
import { alterCmds, astOf, listName, rangeVar, relationOf, unwrapAll } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { exclusiveTables } from '../lock-modes.js';
import { LOCKS as R } from '../../../rules/index.js';

const DROP_HELP =
  'Deploy code that no longer uses it first, and drop it in a later release; the running application still reads it while this migration runs.';

export function drops(sc: StatementContext): Finding[] {
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
    const named = unwrapAll(truncate.relations, 'RangeVar')
      .map((r) => scope.table(rangeVar(r)))
      .filter((t): t is string => !!t);
    const cascade = truncate.behavior === 'DROP_CASCADE' ? cascaded(sc, named) : '';
    return named.map((t) =>
      at(
        sc,
        R.dropExisting,
        `TRUNCATE ${plainName(t)} removes every row of a table that existed before this PR.${cascade}`,
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

/** ` CASCADE also empties ...`: the other pre-existing tables the trace shows it truncated. */
function cascaded(sc: StatementContext, named: string[]): string {
  const others = exclusiveTables(sc).filter((t) => !named.includes(t));
  return others.length
    ? ` CASCADE also empties ${others.map(plainName).join(', ')}, whose foreign keys reference it.`
    : ' CASCADE also empties every table whose foreign keys reference it.';
}
