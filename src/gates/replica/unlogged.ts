import type { Finding, Migration, Statement } from '../../core/model.js';
import { REPLICA, finding } from '../../rules/index.js';
import { alterCommandsOf, astOf } from '../../sql/ast.js';

/** The table a statement creates or sets UNLOGGED, from the parsed statement. */
export function unloggedTarget(stmt: Statement): string | undefined {
  const create = astOf(stmt, 'CreateStmt');
  if (create?.relation?.relpersistence === 'u') return create.relation.relname;
  const createAs = astOf(stmt, 'CreateTableAsStmt');
  if (createAs?.into?.rel?.relpersistence === 'u') return createAs.into.rel.relname;
  const alter = astOf(stmt, 'AlterTableStmt');
  const sets = alterCommandsOf(alter).some((c) => c.subtype === 'AT_SetUnLogged');
  return sets ? alter?.relation?.relname : undefined;
}

export function unloggedFindings(added: Migration[]): Finding[] {
  const out: Finding[] = [];
  for (const m of added) {
    for (const stmt of m.up.statements) {
      const table = unloggedTarget(stmt);
      if (!table) continue;
      out.push(
        finding(REPLICA.unlogged, {
          file: stmt.file,
          line: stmt.line,
          endLine: stmt.endLine,
          message: `${stmt.kind === 'AlterTableStmt' ? 'SET UNLOGGED on' : 'UNLOGGED table'} ${table}: its rows are not written to the WAL, so the replicas never receive them (reading it on a standby fails), and a crash or failover empties it`,
          help: 'Keep tenant data in logged tables. Use UNLOGGED only for data you can rebuild (caches, staging for a bulk load), and never read it from replicas.',
        }),
      );
    }
  }
  return out;
}
