import type { Finding } from '../../../core/model.js';
import { astOf, rangeVar } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/** DROP DATABASE in a migration. */
export function dropDatabase(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'DropdbStmt');
  if (!a) return [];
  const message = `DROP DATABASE ${a.dbname} removes a whole database with every table and row in it; it cannot be rolled back, and it cannot run inside a transaction block.`;
  const help =
    'Drop databases by hand, after a backup, outside the migration history; a migration should only change the schema it runs in.';
  return [at(sc, R.dropDatabase, message, help)];
}

/** REFRESH MATERIALIZED VIEW without CONCURRENTLY on a view that existed before the PR. */
export function nonConcurrentRefresh(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'RefreshMatViewStmt');
  if (!a || a.concurrent) return [];
  const view = sc.scope.matview(rangeVar(a.relation));
  if (!view) return [];
  const message = `REFRESH MATERIALIZED VIEW ${plainName(view)} without CONCURRENTLY holds ACCESS EXCLUSIVE on it while the query reruns: every read of ${plainName(view)} waits.`;
  const help = `Use REFRESH MATERIALIZED VIEW CONCURRENTLY ${plainName(view)} (it needs a unique index on the view, and lets reads go on).`;
  return [at(sc, R.nonConcurrentRefresh, message, help)];
}
