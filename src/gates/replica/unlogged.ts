import type { Finding, Migration, Statement } from '../../core/model.js';
import { finding } from '../gate.js';
import { RULES } from './rules.js';

/** The table a statement creates or sets UNLOGGED, from the parsed statement. */
export function unloggedTarget(stmt: Statement): string | undefined {
  const a = stmt.ast ?? {};
  if (stmt.kind === 'CreateStmt' && a.relation?.relpersistence === 'u') return a.relation.relname;
  if (stmt.kind === 'CreateTableAsStmt' && a.into?.rel?.relpersistence === 'u')
    return a.into.rel.relname;
  if (stmt.kind === 'AlterTableStmt') {
    const sets = (a.cmds ?? []).some((c: any) => c?.AlterTableCmd?.subtype === 'AT_SetUnLogged');
    if (sets) return a.relation?.relname;
  }
  return undefined;
}

export function unloggedFindings(added: Migration[]): Finding[] {
  const out: Finding[] = [];
  for (const m of added) {
    for (const stmt of m.up.statements) {
      const table = unloggedTarget(stmt);
      if (!table) continue;
      out.push(
        finding('replica', RULES.unlogged, {
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
