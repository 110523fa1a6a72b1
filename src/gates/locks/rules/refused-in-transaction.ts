import type { Finding, Statement } from '../../../core/model.js';
import { concurrentStatement, statementLabel } from '../ast.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';
import { outsideTransactionHint } from '../hints.js';

/** Replay errors that mean "not in a transaction": the statement, not the data, is wrong. */
export function refusedByTransaction(sc: StatementContext, earlier: Statement[]): Finding[] {
  const error = sc.trace?.error;
  if (error?.sqlstate === '55P04') {
    const added = earlier.filter(
      (s) =>
        s.kind === 'AlterEnumStmt' &&
        sc.layout.group[sc.script.statements.indexOf(s)] === sc.layout.group[sc.index],
    );
    const where = added.length
      ? ` (ALTER TYPE ... ADD VALUE at line ${added[added.length - 1].line})`
      : '';
    const message = `${error.message}: the enum value is added${where} and used in the same transaction, which Postgres refuses until the ALTER TYPE commits.`;
    return [
      at(
        sc,
        R.enumValueInTransaction,
        message,
        `Add the enum value in its own migration that runs before the one using it; ${outsideTransactionHint(sc.migration.format)} if the tool would group them.`,
      ),
    ];
  }
  if (error?.sqlstate === '25001' && !concurrentStatement(sc.stmt)) {
    const message = `${statementLabel(sc.stmt)}: ${error.message}; ${sc.layout.wholeFile ?? 'the statement runs inside BEGIN ... COMMIT'}.`;
    return [
      at(
        sc,
        R.refusedInTransaction,
        message,
        `Run it outside a transaction: ${outsideTransactionHint(sc.migration.format)}.`,
      ),
    ];
  }
  return [];
}
