import type { Statement } from '../../core/model.js';

/** Readers of libpg-query nodes (Statement.ast is the node under Statement.kind). */

export type Node = Record<string, any>;

export interface RelationName {
  schema?: string;
  name: string;
}

export function rangeVar(node: Node | undefined): RelationName | undefined {
  if (!node?.relname) return undefined;
  return { ...(node.schemaname ? { schema: node.schemaname } : {}), name: node.relname };
}

/** `List { items: [String...] }` or `[String...]` as a dotted name. */
export function listName(node: Node | Node[] | undefined): RelationName | undefined {
  const items: Node[] = Array.isArray(node) ? node : (node?.List?.items ?? []);
  const parts = items.map((i) => i?.String?.sval).filter((s): s is string => !!s);
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1];
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name };
}

export function display(r: RelationName): string {
  return r.schema ? `${r.schema}.${r.name}` : r.name;
}

export interface AlterCmd {
  subtype: string;
  name?: string;
  def?: Node;
}

export function alterCmds(stmt: Statement): AlterCmd[] {
  if (stmt.kind !== 'AlterTableStmt' || stmt.ast?.objtype !== 'OBJECT_TABLE') return [];
  return (stmt.ast.cmds ?? []).map((c: Node) => c.AlterTableCmd as AlterCmd);
}

/** Last element of a type name: `int4`, `json`, `serial`. */
export function typeNameOf(columnDef: Node): string {
  const names: Node[] = columnDef?.typeName?.names ?? [];
  return String(names[names.length - 1]?.String?.sval ?? '');
}

export function constraintsOf(columnDef: Node | undefined): Node[] {
  return (columnDef?.constraints ?? []).map((c: Node) => c.Constraint).filter(Boolean);
}

export function stringList(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((n) => n?.String?.sval).filter((s): s is string => !!s);
}

/** CONCURRENTLY statements: what they are, or undefined. */
export function concurrentStatement(stmt: Statement): string | undefined {
  const a = stmt.ast ?? {};
  if (stmt.kind === 'IndexStmt' && a.concurrent) return 'CREATE INDEX CONCURRENTLY';
  if (stmt.kind === 'DropStmt' && a.concurrent) return 'DROP INDEX CONCURRENTLY';
  if (stmt.kind === 'ReindexStmt' && hasOption(a.params, 'concurrently'))
    return 'REINDEX CONCURRENTLY';
  const detach = alterCmds(stmt).find((c) => c.subtype === 'AT_DetachPartition');
  if (detach?.def?.PartitionCmd?.concurrent) return 'DETACH PARTITION CONCURRENTLY';
  return undefined;
}

export function hasOption(params: Node[] | undefined, name: string): boolean {
  return (params ?? []).some((p) => p?.DefElem?.defname === name);
}

/** Every relation a node mentions (FROM items, DML targets, subqueries). */
export function relationsIn(node: unknown, out: RelationName[] = []): RelationName[] {
  if (Array.isArray(node)) {
    node.forEach((n) => relationsIn(n, out));
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      const r = key === 'RangeVar' || key === 'relation' ? rangeVar(value as Node) : undefined;
      if (r) out.push(r);
      relationsIn(value, out);
    }
  }
  return out;
}

/** `SET [LOCAL] lock_timeout = ...`: the value in effect after it, `0` meaning none. */
export function lockTimeoutSetting(
  stmt: Statement,
): { local: boolean; enabled: boolean } | undefined {
  const a = stmt.ast ?? {};
  if (stmt.kind === 'VariableSetStmt' && a.name === 'lock_timeout') {
    const value = a.args?.[0]?.A_Const;
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
  const relation = rangeVar(stmt.ast?.relation);
  const on = relation ? ` ${display(relation)}` : '';
  const a = stmt.ast ?? {};
  const labels: Record<string, string> = {
    AlterTableStmt: `ALTER TABLE${on}`,
    ClusterStmt: `CLUSTER${on}`,
    CreateStmt: `CREATE TABLE${on}`,
    CreateTrigStmt: `CREATE TRIGGER ${a.trigname ?? ''}`.trim(),
    IndexStmt: `CREATE ${a.unique ? 'UNIQUE ' : ''}INDEX${a.idxname ? ` ${a.idxname}` : ''}`,
    RenameStmt: `ALTER TABLE${on}`,
    UpdateStmt: `UPDATE${on}`,
    DeleteStmt: `DELETE FROM${on}`,
  };
  const label = labels[stmt.kind] ?? sqlHead(stmt.sql);
  return label.length > 50 ? `${label.slice(0, 47)}...` : label;
}
