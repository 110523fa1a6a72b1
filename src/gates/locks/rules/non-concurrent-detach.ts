import type { Finding } from '../../../core/model.js';
import { alterCmds, rangeVar, relationOf, unwrap } from '../../../sql/ast.js';
import { joinQualified, plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';
import { outsideTransactionHint } from '../hints.js';

export function nonConcurrentDetach(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_DetachPartition' && !unwrap(c.def, 'PartitionCmd')?.concurrent)
    .map((c) => {
      const part = joinQualified(rangeVar(unwrap(c.def, 'PartitionCmd')?.name) ?? { name: '?' });
      const message = `DETACH PARTITION ${part} without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table ${plainName(table)}: every query on it waits.`;
      const help = `Use DETACH PARTITION ... CONCURRENTLY (Postgres 14+) and ${outsideTransactionHint(sc.migration.format)}.`;
      return at(sc, R.nonConcurrentDetach, message, help, {
        severity: sc.settings.nonConcurrentIndex,
      });
    });
}
