import type { Finding, Statement } from '../../engine/model.js';
import {
  alterCmds,
  concurrentStatement,
  lockTimeoutSetting,
  relationsIn,
  rangeVar,
  statementLabel,
} from './ast.js';
import { at, type StatementContext } from './context.js';
import { LOCK_RULES as R } from './rules.js';
import { bare, outsideTransactionHint } from './static-rules.js';

/** Rules about what one transaction does as a whole: CONCURRENTLY, held locks, lock_timeout. */

export function concurrentlyInTransaction(sc: StatementContext): Finding[] {
  const what = concurrentStatement(sc.stmt);
  if (!what || !sc.layout.inBlock[sc.index]) return [];
  const why = sc.layout.wholeFile ?? 'it sits between BEGIN and COMMIT';
  const message = `${what} cannot run inside a transaction block, and ${why}: Postgres refuses it (SQLSTATE 25001).`;
  return [
    at(
      sc,
      R.concurrentlyInTransaction,
      message,
      `Move it out of the transaction: ${outsideTransactionHint(sc.migration.format)}.`,
    ),
  ];
}

/** Replay errors that mean "not in a transaction": the statement, not the data, is wrong. */
export function refusedByTransaction(sc: StatementContext, earlier: Statement[]): Finding[] {
  const error = sc.trace?.error;
  if (error?.sqlstate === '55P04') {
    const added = earlier.filter(
      (s) =>
        s.kind === 'AlterEnumStmt' &&
        sc.layout.group[sc.script.statements.indexOf(s)] === sc.layout.group[sc.index],
    );
    const where = added.length
      ? ` (ALTER TYPE ... ADD VALUE at line ${added[added.length - 1].line})`
      : '';
    const message = `${error.message}: the enum value is added${where} and used in the same transaction, which Postgres refuses until the ALTER TYPE commits.`;
    return [
      at(
        sc,
        R.enumValueInTransaction,
        message,
        `Add the enum value in its own migration that runs before the one using it; ${outsideTransactionHint(sc.migration.format)} if the tool would group them.`,
      ),
    ];
  }
  if (error?.sqlstate === '25001' && !concurrentStatement(sc.stmt)) {
    const message = `${statementLabel(sc.stmt)}: ${error.message}; ${sc.layout.wholeFile ?? 'the statement runs inside BEGIN ... COMMIT'}.`;
    return [
      at(
        sc,
        R.refusedInTransaction,
        message,
        `Run it outside a transaction: ${outsideTransactionHint(sc.migration.format)}.`,
      ),
    ];
  }
  return [];
}

/** Whether a statement reads or rewrites a whole pre-existing table. */
function scanOf(sc: StatementContext): string | undefined {
  const { stmt, scope } = sc;
  const a = stmt.ast ?? {};
  if (sc.trace?.rewritten.length && stmt.kind !== 'TruncateStmt')
    return `rewrites ${sc.trace.rewritten.join(', ')}`;
  const dml = ['UpdateStmt', 'DeleteStmt', 'SelectStmt', 'CreateTableAsStmt', 'MergeStmt'];
  const read = dml.includes(stmt.kind)
    ? relationsIn(a)
    : stmt.kind === 'InsertStmt'
      ? relationsIn(a.selectStmt)
      : [];
  const scanned = read.map((r) => scope.table(r)).find(Boolean);
  if (scanned) return `reads ${bare(scanned)}`;
  const table = scope.table(rangeVar(a.relation));
  if (!table) return undefined;
  if (stmt.kind === 'IndexStmt') return `scans ${bare(table)} to build an index`;
  const scanning = alterCmds(stmt).find(
    (c) =>
      c.subtype === 'AT_ValidateConstraint' ||
      (c.subtype === 'AT_SetNotNull' && !scope.hasValidatedNotNullCheck(table, c.name ?? '')) ||
      (c.subtype === 'AT_AddConstraint' &&
        !c.def?.Constraint?.skip_validation &&
        c.def?.Constraint?.contype !== 'CONSTR_DEFAULT'),
  );
  return scanning ? `scans ${bare(table)}` : undefined;
}

interface HeldLock {
  sc: StatementContext;
  tables: string[];
  later: Statement[];
  scans: string[];
}

/**
 * Follows one script statement by statement: which pre-existing tables each transaction holds
 * ACCESS EXCLUSIVE on, what runs while they are held, and whether lock_timeout is set.
 */
export class TransactionWatch {
  private sessionTimeout = false;
  private readonly localTimeout = new Set<number>();
  private timeoutReported = false;
  private readonly exclusive = new Map<number, Array<{ table: string; line: number }>>();
  private readonly multipleReported = new Set<number>();
  private held?: HeldLock;
  private readonly out: Finding[] = [];

  /** Call for every statement in order; returns nothing, findings come from finish(). */
  observe(sc: StatementContext): void {
    const group = sc.layout.group[sc.index];
    if (this.held && sc.layout.group[this.held.sc.index] !== group) this.flushHeld();
    this.trackTimeout(sc, group);
    if (sc.stmt.kind === 'TransactionStmt' || sc.stmt.kind === 'VariableSetStmt') return;
    const tables = this.exclusiveTables(sc);
    if (this.held) {
      this.held.later.push(sc.stmt);
      const scan = scanOf(sc);
      if (scan) this.held.scans.push(`line ${sc.stmt.line} ${scan}`);
    }
    if (tables.length === 0) return;
    this.checkTimeout(sc, group, tables);
    this.checkMultiple(sc, group, tables);
    if (!this.held) this.held = { sc, tables, later: [], scans: [] };
  }

  finish(): Finding[] {
    this.flushHeld();
    return this.out;
  }

  private exclusiveTables(sc: StatementContext): string[] {
    const locks = sc.trace?.locks ?? [];
    const keys = locks
      .filter((l) => l.mode === 'AccessExclusiveLock' && l.preexisting)
      .map((l) => sc.scope.traceKey(l.relation))
      .filter((k) => sc.scope.isTable(k));
    return [...new Set(keys)].map(bare);
  }

  private trackTimeout(sc: StatementContext, group: number): void {
    const setting = lockTimeoutSetting(sc.stmt);
    if (!setting) return;
    // SET LOCAL outside a transaction block has no effect.
    if (setting.local && sc.layout.inBlock[sc.index]) {
      if (setting.enabled) this.localTimeout.add(group);
      else this.localTimeout.delete(group);
    } else if (!setting.local) this.sessionTimeout = setting.enabled;
  }

  private checkTimeout(sc: StatementContext, group: number, tables: string[]): void {
    if (this.timeoutReported || this.sessionTimeout || this.localTimeout.has(group)) return;
    this.timeoutReported = true;
    const message = `${statementLabel(sc.stmt)} requests ACCESS EXCLUSIVE on pre-existing table ${tables.join(', ')} with no lock_timeout set earlier in the migration: while it waits behind a long query, every new query on ${tables.join(', ')} queues behind it.`;
    const help =
      "Start the migration with `SET lock_timeout = '5s'` (or `SET LOCAL` inside its transaction) and retry the migration when it times out.";
    this.out.push(at(sc, R.missingLockTimeout, message, help));
  }

  private checkMultiple(sc: StatementContext, group: number, tables: string[]): void {
    const held = this.exclusive.get(group) ?? [];
    for (const table of tables)
      if (!held.some((h) => h.table === table)) held.push({ table, line: sc.stmt.line });
    this.exclusive.set(group, held);
    // Tables locked by one statement (a partition and its parent) are that statement's rule.
    if (new Set(held.map((h) => h.line)).size < 2 || this.multipleReported.has(group)) return;
    this.multipleReported.add(group);
    const list = held.map((h) => `${h.table} (line ${h.line})`).join(', ');
    const message = `One transaction holds ACCESS EXCLUSIVE on several pre-existing tables: ${list}. Queries on all of them wait until it commits, and other sessions locking them in another order deadlock.`;
    this.out.push(
      at(
        sc,
        R.multipleExclusiveLocks,
        message,
        'Change one table per migration (per transaction).',
      ),
    );
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || held.later.length === 0) return;
    const last = held.later[held.later.length - 1];
    const severity = held.scans.length ? 'blocker' : undefined;
    const scans = held.scans.length
      ? ` Meanwhile ${held.scans.join('; ')}, so the lock is held for that whole time.`
      : '';
    const message = `${statementLabel(held.sc.stmt)} takes ACCESS EXCLUSIVE on pre-existing table ${held.tables.join(', ')} and keeps it while ${held.later.length} more statement${held.later.length > 1 ? 's' : ''} of the same transaction ${held.later.length > 1 ? 'run' : 'runs'} (to line ${last.line}).${scans}`;
    const help =
      'Commit right after the statement that takes ACCESS EXCLUSIVE: move the other statements (backfills, index builds, validations) to their own migrations.';
    this.out.push(
      at(held.sc, R.exclusiveLockHeld, message, help, {
        severity,
        waitOver: [held.sc.stmt, ...held.later],
      }),
    );
  }
}
