import type { Finding, Script } from '../../../core/model.js';
import { transactionControl } from '../../../sql/kinds.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/**
 * BEGIN and COMMIT written into a migration: a BEGIN inside a transaction that is already open
 * (the one the migration tool opened around the file, or the file's own) is ignored with a
 * warning, so the COMMIT meant for it ends the outer one; a BEGIN that nothing commits leaves the
 * migration's work to whatever the session does next.
 */

interface Open {
  /** Line of the BEGIN that opened it; undefined for the tool's transaction. */
  by?: number;
}

/** The transaction open before each statement, as Postgres sees the script run by its tool. */
function openBefore(script: Script): Array<Open | undefined> {
  let open: Open | undefined = script.transaction === 'transaction' ? {} : undefined;
  return script.statements.map((stmt) => {
    const before = open;
    const control = transactionControl(stmt);
    if (control === 'begin') open = open ?? { by: stmt.line };
    else if (control) open = undefined;
    return before;
  });
}

/** The COMMIT or ROLLBACK that next ends a transaction after statement `from`. */
function nextEnd(script: Script, from: number): { line: number; word: string } | undefined {
  const end = script.statements.slice(from + 1).find((s) => {
    const c = transactionControl(s);
    return c === 'commit' || c === 'rollback';
  });
  return end && { line: end.line, word: transactionControl(end)!.toUpperCase() };
}

export function transactionNesting(sc: StatementContext): Finding[] {
  if (transactionControl(sc.stmt) !== 'begin') return [];
  const open = openBefore(sc.script)[sc.index];
  if (!open) return [];
  const end = nextEnd(sc.script, sc.index);
  const outer =
    open.by === undefined
      ? 'the transaction the migration tool opened around this file'
      : `the transaction opened at line ${open.by}`;
  const then =
    end === undefined
      ? ''
      : ` The ${end.word} at line ${end.line} then ends that outer transaction: the statements after it${open.by === undefined ? " and the tool's own version bookkeeping" : ''} run outside any transaction, and a failure no longer rolls the migration back.`;
  const message = `BEGIN inside ${outer}: Postgres ignores it with a warning ("there is already a transaction in progress").${then}`;
  const help =
    open.by === undefined
      ? "Remove BEGIN and COMMIT from the file: the tool already runs it in one transaction. For statements that must run outside one, use the tool's switch for that (goose `-- +goose NO TRANSACTION`, dbmate `transaction:false`, Flyway `executeInTransaction=false`)."
      : 'Remove the inner BEGIN, or COMMIT the first transaction before opening the next.';
  return [at(sc, R.transactionNesting, message, help)];
}

export function uncommittedTransaction(sc: StatementContext): Finding[] {
  if (transactionControl(sc.stmt) !== 'begin' || sc.script.transaction === 'transaction') return [];
  if (openBefore(sc.script)[sc.index]) return [];
  if (nextEnd(sc.script, sc.index) !== undefined) return [];
  const message = `BEGIN opens a transaction that nothing in this migration commits: when the session ends, Postgres rolls back every statement after it, or the migration tool's own bookkeeping commits it by accident.`;
  return [
    at(
      sc,
      R.uncommittedTransaction,
      message,
      'End the transaction with COMMIT at the end of the migration.',
    ),
  ];
}
