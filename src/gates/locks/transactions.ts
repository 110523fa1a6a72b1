import type { Script } from '../../core/model.js';
import { toolOpensTransaction, wrapsInTransaction } from '../../replay/script-runner.js';
import { transactionControl } from '../../sql/kinds.js';

/**
 * How a script's statements group into transactions when its production tool runs it: the
 * whole file (transaction mode, or golang-migrate's multi-statement string), explicit
 * BEGIN ... COMMIT blocks, or every statement on its own.
 */
export interface TransactionLayout {
  /** Transaction number of each statement; statements on their own get a number of their own. */
  group: number[];
  /** Whether the statement runs inside a transaction block (where CONCURRENTLY is refused). */
  inBlock: boolean[];
  /** Why the file is one transaction, for messages; undefined when it is not. */
  wholeFile?: string;
}

export function transactionLayout(script: Script): TransactionLayout {
  const n = script.statements.length;
  if (wrapsInTransaction(script)) {
    return {
      group: Array(n).fill(0),
      inBlock: Array(n).fill(true),
      wholeFile: wholeFileReason(script),
    };
  }
  const group: number[] = [];
  const inBlock: boolean[] = [];
  let next = 0;
  let open: number | undefined = toolOpensTransaction(script) ? next++ : undefined;
  for (const stmt of script.statements) {
    const control = transactionControl(stmt);
    if (control === 'begin') {
      // BEGIN inside an open transaction is only a warning: the transaction goes on.
      open = open ?? next++;
      group.push(open);
      inBlock.push(false);
    } else if (control === 'commit' || control === 'rollback') {
      group.push(open ?? next++);
      inBlock.push(false);
      open = undefined;
    } else {
      group.push(open ?? next++);
      inBlock.push(open !== undefined);
    }
  }
  return { group, inBlock };
}

function wholeFileReason(script: Script): string {
  return script.transaction === 'implicit'
    ? 'the migration tool sends the whole file as one query string, which Postgres runs as one transaction'
    : 'the migration tool runs the whole file in one transaction';
}
