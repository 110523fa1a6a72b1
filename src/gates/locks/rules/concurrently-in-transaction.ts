import type { Finding } from '../../../core/model.js';
import { concurrentStatement } from '../ast.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';
import { outsideTransactionHint } from '../hints.js';

export function concurrentlyInTransaction(sc: StatementContext): Finding[] {
  const what = concurrentStatement(sc.stmt);
  if (!what || !sc.layout.inBlock[sc.index]) return [];
  const why = sc.layout.wholeFile ?? 'it sits between BEGIN and COMMIT';
  const message = `${what} cannot run inside a transaction block, and ${why}: Postgres refuses it (SQLSTATE 25001).`;
  return [
    at(
      sc,
      R.concurrentlyInTransaction,
      message,
      `Move it out of the transaction: ${outsideTransactionHint(sc.migration.format)}.`,
    ),
  ];
}
