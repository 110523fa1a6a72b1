import type { Finding } from '../../../core/model.js';
import { astOf, hasOption, listName, rangeVar } from '../../../sql/ast.js';
import { joinQualified, plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';
import { outsideTransactionHint } from '../hints.js';

export function nonConcurrentIndex(sc: StatementContext): Finding[] {
  const { stmt, scope } = sc;
  const severity = sc.settings.nonConcurrentIndex;
  const help = `Use the CONCURRENTLY form and ${outsideTransactionHint(sc.migration.format)}.`;
  const index = astOf(stmt, 'IndexStmt');
  if (index && !index.concurrent) {
    const table = scope.table(rangeVar(index.relation));
    if (!table) return [];
    const name = index.idxname ? `${index.idxname} ` : '';
    const unique = index.unique ? 'UNIQUE ' : '';
    if (scope.isPartitioned(table)) {
      // ON ONLY makes the parent's index alone, invalid and empty: it locks for no build.
      if (index.relation && index.relation.inh !== true) return [];
      const shown = plainName(table);
      const message = `CREATE ${unique}INDEX ${name}on pre-existing partitioned table ${shown} holds a SHARE lock on ${shown} and each of its partitions while every partition's index is built: every INSERT, UPDATE and DELETE on them waits.`;
      const recipe = `A partitioned table's index cannot be built CONCURRENTLY: create it with CREATE INDEX ${name}ON ONLY ${shown} (instant, invalid until its partitions' indexes are attached), build each partition's index with CREATE INDEX CONCURRENTLY (${outsideTransactionHint(sc.migration.format)}), then ALTER INDEX ${index.idxname ?? '<index>'} ATTACH PARTITION <partition index> for each.`;
      return [at(sc, R.nonConcurrentIndex, message, recipe, { severity })];
    }
    const message = `CREATE ${unique}INDEX ${name}on pre-existing table ${plainName(table)} without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on ${plainName(table)} waits.`;
    return [at(sc, R.nonConcurrentIndex, message, help, { severity })];
  }
  const drop = astOf(stmt, 'DropStmt');
  if (drop?.removeType === 'OBJECT_INDEX' && !drop.concurrent) {
    return (drop.objects ?? []).flatMap((o) => {
      const index = scope.index(listName(o));
      if (!index) return [];
      const key = scope.tableOfIndex(index) ?? '';
      const table = plainName(key);
      const message = `DROP INDEX ${plainName(index)} without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table ${table}: every read and write of ${table} waits.`;
      const partitioned = `Postgres cannot drop the index of a partitioned table CONCURRENTLY: run it on its own with SET lock_timeout (so that it gives up instead of queueing every query on ${table} and its partitions behind it), at a quiet time.`;
      return [
        at(sc, R.nonConcurrentIndex, message, scope.isPartitioned(key) ? partitioned : help, {
          severity,
        }),
      ];
    });
  }
  const a = astOf(stmt, 'ReindexStmt');
  if (a && !hasOption(a.params, 'concurrently')) {
    const target = rangeVar(a.relation);
    const table =
      a.kind === 'REINDEX_OBJECT_INDEX'
        ? scope.tableOfIndex(scope.index(target) ?? '')
        : scope.table(target);
    if (target && !table) return [];
    const what = target
      ? `${a.kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX' : 'TABLE'} ${joinQualified(target)}`
      : `${String(a.kind).replace('REINDEX_OBJECT_', '')} ${a.name ?? ''}`.trim();
    const message = `REINDEX ${what} without CONCURRENTLY blocks writes to ${table ? plainName(table) : 'the tables it covers'} and reads that use the index while it rebuilds.`;
    return [at(sc, R.nonConcurrentIndex, message, help, { severity })];
  }
  return [];
}
