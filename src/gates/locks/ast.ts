import type { Statement } from '../../core/model.js';
import {
  alterCmds,
  astOf,
  hasOption,
  isRecord,
  rangeVar,
  relationOf,
  unwrap,
  type RangeVar,
} from '../../sql/ast.js';
import { joinQualified, type QualifiedName } from '../../sql/names.js';

/** Readings of a statement that the lock rules share (Statement.ast is the node under kind). */

/** CONCURRENTLY statements: what they are, or undefined. */
export function concurrentStatement(stmt: Statement): string | undefined {
  if (astOf(stmt, 'IndexStmt')?.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (astOf(stmt, 'DropStmt')?.concurrent) return 'DROP INDEX CONCURRENTLY';
  const reindex = astOf(stmt, 'ReindexStmt');
  if (reindex && hasOption(reindex.params, 'concurrently')) return 'REINDEX CONCURRENTLY';
  const detach = alterCmds(stmt).find((c) => c.subtype === 'AT_DetachPartition');
  if (unwrap(detach?.def, 'PartitionCmd')?.concurrent) return 'DETACH PARTITION CONCURRENTLY';
  return undefined;
}

/** Every relation a node mentions (FROM items, DML targets, subqueries). */
export function relationsIn(node: unknown, out: QualifiedName[] = []): QualifiedName[] {
  if (Array.isArray(node)) {
    node.forEach((n) => relationsIn(n, out));
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      const r = key === 'RangeVar' || key === 'relation' ? rangeVar(asRangeVar(value)) : undefined;
      if (r) out.push(r);
      relationsIn(value, out);
    }
  }
  return out;
}

/** A RangeVar's payload met in a walk over the untyped tree. */
function asRangeVar(value: unknown): RangeVar | undefined {
  return isRecord(value) && typeof value.relname === 'string' ? value : undefined;
}

/** `SET [LOCAL] lock_timeout = ...`: the value in effect after it, `0` meaning none. */
export function lockTimeoutSetting(
  stmt: Statement,
): { local: boolean; enabled: boolean } | undefined {
  const a = astOf(stmt, 'VariableSetStmt');
  if (a?.name === 'lock_timeout') {
    const value = unwrap(a.args?.[0], 'A_Const');
    const zero =
      value?.ival !== undefined ? (value.ival.ival ?? 0) === 0 : value?.sval?.sval === '0';
    return { local: !!a.is_local, enabled: a.kind === 'VAR_SET_VALUE' && !zero };
  }
  // select set_config('lock_timeout', '5s', is_local)
  const m = /set_config\s*\(\s*'lock_timeout'\s*,\s*'([^']*)'\s*,\s*(true|false)/i.exec(stmt.sql);
  if (stmt.kind === 'SelectStmt' && m)
    return { local: m[2].toLowerCase() === 'true', enabled: m[1] !== '0' };
  return undefined;
}

/** The first line of a statement, shortened, for messages. */
export function sqlHead(sql: string): string {
  const text = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/** A short name of the statement for messages: `ALTER TABLE users`, `CREATE UNIQUE INDEX x`. */
export function statementLabel(stmt: Statement): string {
  const relation = rangeVar(relationOf(stmt));
  const on = relation ? ` ${joinQualified(relation)}` : '';
  const trigger = astOf(stmt, 'CreateTrigStmt');
  const index = astOf(stmt, 'IndexStmt');
  const labels: Record<string, string> = {
    AlterTableStmt: `ALTER TABLE${on}`,
    ClusterStmt: `CLUSTER${on}`,
    CreateStmt: `CREATE TABLE${on}`,
    CreateTrigStmt: `CREATE TRIGGER ${trigger?.trigname ?? ''}`.trim(),
    IndexStmt: `CREATE ${index?.unique ? 'UNIQUE ' : ''}INDEX${index?.idxname ? ` ${index.idxname}` : ''}`,
    RenameStmt: `ALTER TABLE${on}`,
    UpdateStmt: `UPDATE${on}`,
    DeleteStmt: `DELETE FROM${on}`,
  };
  const label = labels[stmt.kind] ?? sqlHead(stmt.sql);
  return label.length > 50 ? `${label.slice(0, 47)}...` : label;
}
