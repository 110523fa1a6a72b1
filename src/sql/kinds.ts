/**
 * Small readings of a parsed statement that several gates share: which relations it touches,
 * whether it controls the transaction, whether Postgres refuses it inside a transaction block.
 */
import type { Statement } from '../core/model.js';
import {
  alterCommandsOf,
  astOf,
  hasOption,
  isRecord,
  qualifiedName,
  readByKind,
  strings,
  unwrap,
  unwrapAll,
  type ByKind,
  type Node,
  type RangeVar,
} from './ast.js';

type Parsed = Pick<Statement, 'kind' | 'ast'>;

/** `schema.name` of a name list (`[{String:{sval}}...]`), as DROP and COMMENT carry them. */
export function nameListToString(items: Node[] | undefined): string {
  return strings(items).join('.');
}

/** Where each statement kind keeps the relation(s) it creates, alters or drops. */
const TARGET_FIELDS: ByKind<Array<RangeVar | undefined>> = {
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
  VacuumStmt: (a) => (a.rels ?? []).map((r) => unwrap(r, 'VacuumRelation')?.relation),
  GrantStmt: (a) => (a.objtype === 'OBJECT_TABLE' ? rangeVars(a.objects) : []),
};

/** Where each statement kind keeps the query (or FROM/USING list) it reads from. */
const QUERY_FIELDS: ByKind<unknown> = {
  ViewStmt: (a) => a.query,
  CreateTableAsStmt: (a) => a.query,
  SelectStmt: (a) => a,
  InsertStmt: (a) => a.selectStmt,
  UpdateStmt: (a) => a.fromClause,
  DeleteStmt: (a) => a.usingClause,
};

const RELATION_OBJECTS = new Set<string | undefined>([
  'OBJECT_TABLE',
  'OBJECT_INDEX',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
]);

function rangeVars(list: Node[] | undefined): RangeVar[] {
  return unwrapAll(list, 'RangeVar');
}

/**
 * Relations a statement creates, alters, drops, writes or locks, when the AST says so plainly,
 * then the relations its query reads (views, CREATE TABLE AS, SELECT, INSERT ... SELECT,
 * UPDATE ... FROM, DELETE ... USING). Names as written
 * (`tenant.users` or `users`), without duplicates.
 */
export function statementTargets(stmt: Parsed): string[] {
  if (!stmt.ast) return [];
  const names = (readByKind(TARGET_FIELDS, stmt) ?? []).map(qualifiedName);
  const drop = astOf(stmt, 'DropStmt');
  if (drop && RELATION_OBJECTS.has(drop.removeType)) {
    names.push(...(drop.objects ?? []).map((o) => nameListToString(unwrap(o, 'List')?.items)));
  }
  const comment = astOf(stmt, 'CommentStmt');
  if (comment && RELATION_OBJECTS.has(comment.objtype)) {
    names.push(nameListToString(unwrap(comment.object, 'List')?.items));
  }
  names.push(...relationsRead(readByKind(QUERY_FIELDS, stmt)));
  return [...new Set(names.filter((n) => n !== ''))];
}

/** Every RangeVar under a query node (FROM items, joins, subqueries). */
export function relationsRead(node: unknown): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!isRecord(n)) return;
    if (isRecord(n.RangeVar)) out.push(qualifiedName(n.RangeVar));
    for (const value of Object.values(n)) visit(value);
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
  const kind = String(astOf(stmt, 'TransactionStmt')?.kind ?? '');
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
  switch (stmt.kind) {
    case 'IndexStmt':
      return astOf(stmt, 'IndexStmt')?.concurrent === true;
    case 'DropStmt':
      return astOf(stmt, 'DropStmt')?.concurrent === true;
    case 'ReindexStmt':
      return hasOption(astOf(stmt, 'ReindexStmt')?.params, 'concurrently');
    case 'VacuumStmt':
      return astOf(stmt, 'VacuumStmt')?.is_vacuumcmd === true;
    case 'AlterTableStmt':
      return alterCommandsOf(astOf(stmt, 'AlterTableStmt')).some(
        (c) =>
          c.subtype === 'AT_DetachPartition' && unwrap(c.def, 'PartitionCmd')?.concurrent === true,
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
