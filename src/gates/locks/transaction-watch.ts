import type { Finding, Statement } from '../../core/model.js';
import { astOf } from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { concurrentStatement, lockTimeoutSetting, sqlHead, statementLabel } from './ast.js';
import { at, type StatementContext } from './context.js';
import { workWhileHeld, type HeldWork } from './held-work.js';
import { exclusiveTables, modeName, strongestBlocking, tableLocks } from './lock-modes.js';
import { LOCKS as R } from '../../rules/index.js';

/** Rules about what one transaction does as a whole: held locks, lock_timeout. */

interface HeldLock {
  sc: StatementContext;
  /** Scope keys of the pre-existing tables it locked. */
  tables: string[];
  /** Later statements of the transaction that ran. */
  later: Statement[];
  work: Array<HeldWork & { line: number }>;
}

/** The lock_timeout in effect, and the statement that set it (none: never set). */
interface Timeout {
  enabled: boolean;
  by?: Statement;
}

/**
 * Follows one script statement by statement, over the statements that ran: which pre-existing
 * tables each transaction holds ACCESS EXCLUSIVE on, what runs while they are held, and whether
 * lock_timeout bounds the wait of a lock that blocks writes.
 */
export class TransactionWatch {
  private session: Timeout = { enabled: false };
  private readonly local = new Map<number, Timeout>();
  private timeoutReported = false;
  private readonly exclusive = new Map<number, Array<{ table: string; line: number }>>();
  /** The finding of each transaction that holds several: its list grows with each table. */
  private readonly multipleReported = new Map<number, Finding>();
  private held?: HeldLock;
  private readonly out: Finding[] = [];

  /** Call for every statement in order; returns nothing, findings come from finish(). */
  observe(sc: StatementContext): void {
    const group = sc.layout.group[sc.index];
    if (this.held && sc.layout.group[this.held.sc.index] !== group) this.flushHeld();
    // A statement that did not run (after a failure) or failed holds and waits for nothing.
    if (!sc.trace || sc.trace.error) return;
    this.trackTimeout(sc, group);
    if (sc.stmt.kind === 'TransactionStmt' || sc.stmt.kind === 'VariableSetStmt') return;
    const tables = exclusiveTables(sc);
    if (this.held) {
      this.held.later.push(sc.stmt);
      const work = workWhileHeld(sc, new Set(this.held.tables));
      if (work) this.held.work.push({ ...work, line: sc.stmt.line });
    }
    this.checkTimeout(sc, group);
    if (tables.length === 0) return;
    this.checkMultiple(sc, group, tables.map(plainName));
    if (!this.held) this.held = { sc, tables, later: [], work: [] };
  }

  finish(): Finding[] {
    this.flushHeld();
    return this.out;
  }

  private trackTimeout(sc: StatementContext, group: number): void {
    const setting = lockTimeoutSetting(sc.stmt);
    if (!setting) return;
    const timeout = { enabled: setting.enabled, by: sc.stmt };
    // SET LOCAL outside a transaction block has no effect; a plain SET replaces a SET LOCAL.
    if (setting.local && sc.layout.inBlock[sc.index]) this.local.set(group, timeout);
    else if (!setting.local) {
      this.session = timeout;
      this.local.delete(group);
    }
  }

  private checkTimeout(sc: StatementContext, group: number): void {
    const blocking = strongestBlocking(tableLocks(sc));
    const timeout = this.local.get(group) ?? this.session;
    if (!blocking || this.timeoutReported || timeout.enabled) return;
    this.timeoutReported = true;
    const list = blocking.tables.map(plainName).join(', ');
    const what = `${statementLabel(sc.stmt)} requests ${modeName(blocking.mode)} on pre-existing table${blocking.tables.length > 1 ? 's' : ''} ${list}`;
    const why = timeout.by
      ? ` after ${disabledBy(timeout.by)}`
      : ' with no lock_timeout set earlier in the migration';
    const effect =
      blocking.mode === 'AccessExclusiveLock'
        ? `while it waits behind a long query, every new query on ${list} queues behind it.`
        : `while it waits for a long transaction that wrote to ${list}, every new INSERT, UPDATE and DELETE on ${list} queues behind it.`;
    const fix = timeout.by
      ? "Set a bounded timeout instead, such as `SET lock_timeout = '5s'`,"
      : "Start the migration with `SET lock_timeout = '5s'` (or `SET LOCAL` inside its transaction)";
    const concurrent = nonConcurrentIndexBuild(sc)
      ? ' The CONCURRENTLY form takes a lock that does not block writes.'
      : '';
    this.out.push(
      at(
        sc,
        R.missingLockTimeout,
        `${what}${why}: ${effect}`,
        `${fix} and retry the migration when it times out.${concurrent}`,
      ),
    );
  }

  private checkMultiple(sc: StatementContext, group: number, tables: string[]): void {
    const held = this.exclusive.get(group) ?? [];
    for (const table of tables)
      if (!held.some((h) => h.table === table)) held.push({ table, line: sc.stmt.line });
    this.exclusive.set(group, held);
    // Tables locked by one statement (a partition and its parent) are that statement's rule.
    if (new Set(held.map((h) => h.line)).size < 2) return;
    const list = held.map((h) => `${h.table} (line ${h.line})`).join(', ');
    const message = `One transaction holds ACCESS EXCLUSIVE on several pre-existing tables: ${list}. Queries on all of them wait until it commits, and other sessions locking them in another order deadlock.`;
    // Reported where the second table is locked, naming every table the transaction goes on to lock.
    const reported = this.multipleReported.get(group);
    if (reported) {
      reported.message = message;
      return;
    }
    const finding = at(
      sc,
      R.multipleExclusiveLocks,
      message,
      'Change one table per migration (per transaction).',
    );
    this.multipleReported.set(group, finding);
    this.out.push(finding);
  }

  /** Reported only when a later statement does long work or waits: catalog-only DDL does not. */
  private flushHeld(): void {
    const held = this.held;
    this.held = undefined;
    if (!held || held.work.length === 0) return;
    const n = held.later.length;
    const last = held.later[n - 1];
    const severity = held.work.some((w) => w.long) ? undefined : 'warning';
    const work = held.work.map((w) => `line ${w.line} ${w.text}`).join('; ');
    const message = `${statementLabel(held.sc.stmt)} takes ACCESS EXCLUSIVE on pre-existing table ${held.tables.map(plainName).join(', ')} and keeps it while ${n} more statement${n > 1 ? 's' : ''} of the same transaction ${n > 1 ? 'run' : 'runs'} (to line ${last.line}). Meanwhile ${work}, so the lock is held for that whole time.`;
    const help =
      'Commit right after the statement that takes ACCESS EXCLUSIVE: move the statements named here (backfills, index builds, validations, changes to other tables) to their own migrations.';
    this.out.push(
      at(held.sc, R.exclusiveLockHeld, message, help, {
        severity,
        waitOver: [held.sc.stmt, ...held.later],
      }),
    );
  }
}

/** `` `SET lock_timeout = 0` at line 2, which disables the timeout `` and the like. */
function disabledBy(stmt: Statement): string {
  const kind = astOf(stmt, 'VariableSetStmt')?.kind;
  const reset = stmt.kind === 'VariableSetStmt' && kind !== 'VAR_SET_VALUE';
  const effect = reset
    ? "which returns it to the server's default (no timeout unless the server or role sets one)"
    : 'which disables the timeout';
  return `\`${sqlHead(stmt.sql).replace(/;$/, '')}\` at line ${stmt.line}, ${effect}`;
}

/** CREATE INDEX or REINDEX without CONCURRENTLY (non-concurrent-index reports the build). */
function nonConcurrentIndexBuild(sc: StatementContext): boolean {
  const index = astOf(sc.stmt, 'IndexStmt');
  if (index) return !index.concurrent;
  return sc.stmt.kind === 'ReindexStmt' && !concurrentStatement(sc.stmt);
}
