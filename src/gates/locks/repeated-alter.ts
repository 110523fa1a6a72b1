import type { Finding } from '../../core/model.js';
import { rangeVar, relationOf } from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { at, type StatementContext } from './context.js';
import { scansOrRewrites } from './held-work.js';
import { exclusiveTables } from './lock-modes.js';
import { LOCKS as R } from '../../rules/index.js';

/**
 * ALTER TABLE statements of one migration on the same pre-existing table that one statement with
 * several actions would replace: those that each took ACCESS EXCLUSIVE anew (the trace shows the
 * lock newly taken, so each ran in a transaction of its own) queue behind every running query on
 * the table again; those of one transaction that each scan or rewrite it do so once per statement.
 */

const HELP = (t: string) =>
  `Combine them into one \`ALTER TABLE ${t} action, action, ...\`, which takes the lock once and checks or rewrites the rows once.`;

export class RepeatedAlterWatch {
  /** Per table: the statements that took ACCESS EXCLUSIVE anew. */
  private readonly relocked = new Map<string, StatementContext[]>();
  /** Per table and transaction: the statements that scanned or rewrote it. */
  private readonly scanned = new Map<string, StatementContext[]>();

  observe(sc: StatementContext): void {
    if (sc.stmt.kind !== 'AlterTableStmt' || !sc.trace || sc.trace.error) return;
    const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
    if (!table) return;
    if (exclusiveTables(sc).includes(table)) push(this.relocked, table, sc);
    if (sc.layout.inBlock[sc.index] && scansOrRewrites(sc))
      push(this.scanned, `${sc.layout.group[sc.index]} ${table}`, sc);
  }

  finish(): Finding[] {
    const out: Finding[] = [];
    for (const [table, list] of this.relocked) {
      if (list.length < 2) continue;
      const t = plainName(table);
      const message = `${list.length} ALTER TABLE statements on pre-existing table ${t} (lines ${lines(list)}) each take ACCESS EXCLUSIVE on it in a transaction of their own: each waits again for every running query on ${t} while new queries queue behind it.`;
      out.push(at(list[1], R.alterTableNotCombined, message, HELP(t)));
    }
    for (const [key, list] of this.scanned) {
      const table = key.slice(key.indexOf(' ') + 1);
      if (list.length < 2 || (this.relocked.get(table)?.length ?? 0) >= 2) continue;
      const t = plainName(table);
      const message = `${list.length} ALTER TABLE statements on pre-existing table ${t} (lines ${lines(list)}) each scan or rewrite all of its rows, one after the other, under the ACCESS EXCLUSIVE lock of one transaction: one statement would go over the rows once.`;
      out.push(at(list[1], R.alterTableNotCombined, message, HELP(t)));
    }
    return out;
  }
}

function push<K>(map: Map<K, StatementContext[]>, key: K, sc: StatementContext): void {
  map.set(key, [...(map.get(key) ?? []), sc]);
}

const lines = (list: StatementContext[]) => list.map((sc) => sc.stmt.line).join(', ');
