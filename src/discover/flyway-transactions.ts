/**
 * Whether Flyway runs a script in a transaction. Its PostgreSQL parser marks the statements
 * Postgres refuses inside a transaction block as non-transactional (CREATE/DROP INDEX
 * CONCURRENTLY, REINDEX SCHEMA/DATABASE/SYSTEM, VACUUM, ALTER SYSTEM, CREATE/DROP DATABASE,
 * TABLESPACE and SUBSCRIPTION, DISCARD ALL); a script holding only those runs without a
 * transaction, a script mixing both kinds is refused unless `mixed=true` (then it runs without
 * one). A `.sql.conf` `executeInTransaction` setting, or `executeInTransaction=false` in the
 * configuration, decides instead and skips the mixed check. ALTER TYPE ... ADD VALUE counts as
 * non-transactional only before Postgres 12, older than any server this check runs on.
 * REINDEX TABLE/INDEX ... CONCURRENTLY and DETACH PARTITION CONCURRENTLY are not recognised by
 * Flyway: they stay in the transaction, where Postgres refuses them.
 */
import { basename } from 'node:path';
import type { Finding, Script, Statement, TransactionMode } from '../core/model.js';
import type { FlywayConfig } from './flyway-placeholders.js';
import { REPLAY, finding } from '../rules/index.js';
import { astOf } from '../sql/ast.js';

const WHOLE_OBJECT_REINDEX = new Set<string | undefined>([
  'REINDEX_OBJECT_SCHEMA',
  'REINDEX_OBJECT_DATABASE',
  'REINDEX_OBJECT_SYSTEM',
]);

const ALWAYS_OUTSIDE: Record<string, string> = {
  AlterSystemStmt: 'ALTER SYSTEM',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  CreateSubscriptionStmt: 'CREATE SUBSCRIPTION',
  DropSubscriptionStmt: 'DROP SUBSCRIPTION',
};

/** How a non-transactional statement reads in a message. */
function label(stmt: Pick<Statement, 'kind' | 'ast'>): string {
  switch (stmt.kind) {
    case 'IndexStmt':
      return `CREATE ${astOf(stmt, 'IndexStmt')?.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY`;
    case 'DropStmt':
      return 'DROP INDEX CONCURRENTLY';
    case 'ReindexStmt':
      return `REINDEX ${String(astOf(stmt, 'ReindexStmt')?.kind).replace('REINDEX_OBJECT_', '')}`;
    case 'VacuumStmt':
      return 'VACUUM';
    case 'DiscardStmt':
      return 'DISCARD ALL';
    default:
      return ALWAYS_OUTSIDE[stmt.kind] ?? stmt.kind;
  }
}

/** Whether Flyway's PostgreSQL parser marks the statement `[non-transactional]`. */
export function flywayNonTransactional(stmt: Pick<Statement, 'kind' | 'ast'>): boolean {
  const drop = astOf(stmt, 'DropStmt');
  switch (stmt.kind) {
    case 'IndexStmt':
      return astOf(stmt, 'IndexStmt')?.concurrent === true;
    case 'DropStmt':
      return drop?.removeType === 'OBJECT_INDEX' && drop.concurrent === true;
    case 'ReindexStmt':
      return WHOLE_OBJECT_REINDEX.has(astOf(stmt, 'ReindexStmt')?.kind);
    case 'VacuumStmt':
      return astOf(stmt, 'VacuumStmt')?.is_vacuumcmd === true;
    case 'DiscardStmt':
      return astOf(stmt, 'DiscardStmt')?.target === 'DISCARD_ALL';
    default:
      return Object.hasOwn(ALWAYS_OUTSIDE, stmt.kind);
  }
}

/** `executeInTransaction=true|false` in a script's `.sql.conf`, when it says. */
export function sqlConfTransaction(conf: string | undefined): boolean | undefined {
  const m = /^\s*executeInTransaction\s*=\s*(true|false)\s*$/im.exec(conf ?? '');
  return m ? m[1].toLowerCase() === 'true' : undefined;
}

export interface FlywayTransaction {
  transaction: TransactionMode;
  /** A blocker when Flyway refuses the script for mixing both kinds of statements. */
  finding?: Finding;
}

/** How Flyway runs `script`, given its `.sql.conf` override and the configuration. */
export function flywayTransaction(
  script: Script,
  override: boolean | undefined,
  config: Pick<FlywayConfig, 'mixed' | 'executeInTransaction'>,
): FlywayTransaction {
  if (override !== undefined) return { transaction: override ? 'transaction' : 'none' };
  if (!config.executeInTransaction) return { transaction: 'none' };
  const outside = script.statements.filter(flywayNonTransactional);
  if (outside.length === 0) return { transaction: 'transaction' };
  if (outside.length === script.statements.length || config.mixed) return { transaction: 'none' };
  // Refused by Flyway; replayed as mixed=true would run it, so the other gates still judge it.
  return { transaction: 'none', finding: mixedFinding(script, outside[0]) };
}

/** The statement at which Flyway's parser has seen both kinds: the line its error names. */
function offendingLine(script: Script): number {
  let inside = false;
  let outside = false;
  for (const s of script.statements) {
    if (flywayNonTransactional(s)) outside = true;
    else inside = true;
    if (inside && outside) return s.line;
  }
  return script.statements[0]?.line ?? 1;
}

function mixedFinding(script: Script, first: Statement): Finding {
  const name = basename(script.file);
  return finding(REPLAY.flywayMixedTransaction, {
    file: first.file,
    line: first.line,
    endLine: first.endLine,
    message: `Flyway refuses ${name}: ${label(first)} at line ${first.line} cannot run in a transaction and the script also has statements that run in one; with mixed=false (the default) migrate fails with "Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line ${offendingLine(script)}". The other gates judge it as Flyway would run it with mixed=true: each statement on its own, without a transaction.`,
    help: `Move the statements that cannot run in a transaction into a migration of their own (Flyway runs such a script without a transaction), or set flyway.mixed=true (spring.flyway.mixed=true, FLYWAY_MIXED=true) to run the whole script without a transaction.`,
  });
}
