import type { Finding } from '../../core/model.js';
import { rangeVar, relationOf } from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { at, type StatementContext } from './context.js';
import { exclusiveTables } from './lock-modes.js';
import { LOCKS as R } from '../../rules/index.js';

/**
 * ALTER TABLE statements of one migration that each took ACCESS EXCLUSIVE on the same
 * pre-existing table anew (the trace shows the lock newly taken, so each ran in a transaction of
 * its own): each queues behind every running query on the table again, where one ALTER TABLE
 * with several actions would queue once.
 */
export class RepeatedAlterWatch {
  private readonly seen = new Map<string, StatementContext[]>();

  observe(sc: StatementContext): void {
    if (sc.stmt.kind !== 'AlterTableStmt' || !sc.trace || sc.trace.error) return;
    const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
    if (!table || !exclusiveTables(sc).includes(table)) return;
    this.seen.set(table, [...(this.seen.get(table) ?? []), sc]);
  }

  finish(): Finding[] {
    return [...this.seen].flatMap(([table, list]) => {
      if (list.length < 2) return [];
      const t = plainName(table);
      const lines = list.map((sc) => sc.stmt.line).join(', ');
      const message = `${list.length} ALTER TABLE statements on pre-existing table ${t} (lines ${lines}) each take ACCESS EXCLUSIVE on it in a transaction of their own: each waits again for every running query on ${t} while new queries queue behind it.`;
      const help = `Combine them into one \`ALTER TABLE ${t} action, action, ...\`, which takes the lock once.`;
      return [at(list[1], R.alterTableNotCombined, message, help)];
    });
  }
}
