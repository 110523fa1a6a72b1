/**
 * Small readings of a parsed statement that several gates share: which relations it touches,
 * whether it controls the transaction, whether Postgres refuses it inside a transaction block.
 */
import type { Statement } from '../core/model.js';

type Parsed = Pick<Statement, 'kind' | 'ast'>;
type Node = Record<string, any>;

/** `schema.name` or `name` of a RangeVar node. */
export function qualifiedName(rangeVar: Node | undefined): string {
  if (!rangeVar?.relname) return '';
  return rangeVar.schemaname ? `${rangeVar.schemaname}.${rangeVar.relname}` : rangeVar.relname;
}

/** `schema.name` of a name list (`[{String:{sval}}...]`), as DROP and COMMENT carry them. */
export function nameListToString(items: Node[] | undefined): string {
  return (items ?? []).map((i) => i?.String?.sval ?? '').join('.');
}

/** Where each statement kind keeps the relation(s) it creates, alters or drops. */
const TARGET_FIELDS: Record<string, (a: Node) => Array<Node | undefined>> = {
  CreateStmt: (a) => [a.relation],
  AlterTableStmt: (a) => [a.relation],
  IndexStmt: (a) => [a.relation],
  RenameStmt: (a) => [a.relation],
  CreateTrigStmt: (a) => [a.relation],
  CreatePolicyStmt: (a) => [a.table],
  AlterPolicyStmt: (a) => [a.table],
  CreateTableAsStmt: (a) => [a.into?.rel],
  ViewStmt: (a) => [a.view],
  CreateSeqStmt: (a) => [a.sequence],
  AlterSeqStmt: (a) => [a.sequence],
  InsertStmt: (a) => [a.relation],
  UpdateStmt: (a) => [a.relation],
  DeleteStmt: (a) => [a.relation],
  MergeStmt: (a) => [a.relation],
  RefreshMatViewStmt: (a) => [a.relation],
  ReindexStmt: (a) => [a.relation],
  ClusterStmt: (a) => [a.relation],
  TruncateStmt: (a) => rangeVars(a.relations),
  LockStmt: (a) => rangeVars(a.relations),
  VacuumStmt: (a) => (a.rels ?? []).map((r: Node) => r?.VacuumRelation?.relation),
  GrantStmt: (a) => (a.objtype === 'OBJECT_TABLE' ? rangeVars(a.objects) : []),
};

/** Where each statement kind keeps the query (or FROM/USING list) it reads from. */
const QUERY_FIELDS: Record<string, (a: Node) => unknown> = {
  ViewStmt: (a) => a.query,
  CreateTableAsStmt: (a) => a.query,
  SelectStmt: (a) => a,
  InsertStmt: (a) => a.selectStmt,
  UpdateStmt: (a) => a.fromClause,
  DeleteStmt: (a) => a.usingClause,
};

const RELATION_OBJECTS = new Set([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

function rangeVars(list: Node[] | undefined): Node[] {
  return (list ?? []).map((n) => n?.RangeVar).filter(Boolean);
}

/**
 * Relations a statement creates, alters, drops, writes or locks, when the AST says so plainly,
 * then the relations its query reads (views, CREATE TABLE AS, SELECT, INSERT ... SELECT,
 * UPDATE ... FROM, DELETE ... USING). Names as written
 * (`tenant.users` or `users`), without duplicates.
 */
export function statementTargets(stmt: Parsed): string[] {
  const a = stmt.ast;
  if (!a) return [];
  const names = (TARGET_FIELDS[stmt.kind]?.(a) ?? []).map(qualifiedName);
  if (stmt.kind === 'DropStmt' && RELATION_OBJECTS.has(a.removeType)) {
    names.push(...(a.objects ?? []).map((o: Node) => nameListToString(o?.List?.items)));
  }
  if (stmt.kind === 'CommentStmt' && RELATION_OBJECTS.has(a.objtype)) {
    names.push(nameListToString(a.object?.List?.items));
  }
  names.push(...relationsRead(QUERY_FIELDS[stmt.kind]?.(a)));
  return [...new Set(names.filter((n) => n !== ''))];
}

/** Every RangeVar under a query node (FROM items, joins, subqueries). */
export function relationsRead(node: unknown): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    const record = n as Node;
    if (record.RangeVar) out.push(qualifiedName(record.RangeVar));
    for (const value of Object.values(record)) visit(value);
  };
  visit(node);
  return out;
}

/** BEGIN/START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, PREPARE TRANSACTION and the like. */
export function isTransactionControl(stmt: Parsed): boolean {
  return stmt.kind === 'TransactionStmt';
}

export type TransactionControl = 'begin' | 'commit' | 'rollback' | undefined;

/**
 * What a statement does to the session's transaction block: opens it (BEGIN, START TRANSACTION),
 * ends it (COMMIT, PREPARE TRANSACTION, ROLLBACK), or nothing (savepoints, anything else).
 */
export function transactionControl(stmt: Parsed): TransactionControl {
  if (stmt.kind !== 'TransactionStmt') return undefined;
  const kind = String(stmt.ast?.kind ?? '');
  if (/SAVEPOINT|RELEASE|_TO/.test(kind)) return undefined;
  if (/BEGIN|START/.test(kind)) return 'begin';
  if (/COMMIT|PREPARE/.test(kind)) return 'commit';
  if (/ROLLBACK/.test(kind)) return 'rollback';
  return undefined;
}

/**
 * Statements Postgres refuses inside a transaction block ("cannot run inside a transaction
 * block"), so a tool that wraps the file in BEGIN/COMMIT, or sends it as one implicit
 * transaction, fails on them.
 */
/**
 * A DO block or procedure call that may COMMIT or ROLLBACK inside (batched backfills): Postgres
 * allows that only when the statement runs at top level, outside a transaction block. A CALL's
 * body is not in the migration, so every CALL may.
 */
export function mayEndTransaction(stmt: Parsed & { sql: string }): boolean {
  if (stmt.kind === 'CallStmt') return true;
  return stmt.kind === 'DoStmt' && /\b(commit|rollback)\b/i.test(stmt.sql);
}

export function cannotRunInTransaction(stmt: Parsed): boolean {
  const a = stmt.ast ?? {};
  switch (stmt.kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return a.concurrent === true;
    case 'ReindexStmt':
      return (a.params ?? []).some((p: Node) => p?.DefElem?.defname === 'concurrently');
    case 'VacuumStmt':
      return a.is_vacuumcmd === true;
    case 'AlterTableStmt':
      return (a.cmds ?? []).some(
        (c: Node) =>
          c?.AlterTableCmd?.subtype === 'AT_DetachPartition' &&
          c.AlterTableCmd.def?.PartitionCmd?.concurrent === true,
      );
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      return true;
    default:
      return false;
  }
}
