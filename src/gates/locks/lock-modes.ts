import type { StatementContext } from './context.js';
import { astOf, rangeVar } from '../../sql/ast.js';

/** Postgres' table lock modes, weakest first, and what the traced ones mean for other sessions. */

const MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

const strength = (mode: string) => MODES.indexOf(mode);

/** SHARE and stronger conflict with ROW EXCLUSIVE: every INSERT, UPDATE and DELETE waits. */
export const blocksWrites = (mode: string) => strength(mode) >= strength('ShareLock');

/** `ShareRowExclusiveLock` → `SHARE ROW EXCLUSIVE`. */
export function modeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

export interface TableLock {
  /** Scope key of the pre-existing table. */
  table: string;
  mode: string;
}

/** The strongest lock the statement newly took on each pre-existing table, per the trace. */
export function tableLocks(sc: StatementContext): TableLock[] {
  const strongest = new Map<string, string>();
  for (const l of sc.trace?.locks ?? []) {
    if (!l.preexisting) continue;
    const table = renamedFrom(sc, l.relation) ?? sc.scope.traceKey(l.relation);
    if (!sc.scope.isTable(table)) continue;
    const had = strongest.get(table);
    if (!had || strength(l.mode) > strength(had)) strongest.set(table, l.mode);
  }
  return [...strongest].map(([table, mode]) => ({ table, mode }));
}

/**
 * The trace names a relation as it is after the statement: `ALTER TABLE venues RENAME TO venue`
 * locked `venue`, which the scope still knows as `venues` until the statement is applied.
 */
function renamedFrom(sc: StatementContext, relation: string): string | undefined {
  const rename = astOf(sc.stmt, 'RenameStmt');
  if (rename?.renameType !== 'OBJECT_TABLE' || rename.newname !== relation.split('.').pop())
    return undefined;
  return sc.scope.table(rangeVar(rename.relation));
}

/** Pre-existing tables the statement newly took ACCESS EXCLUSIVE on, per the trace. */
export function exclusiveTables(sc: StatementContext): string[] {
  return tableLocks(sc)
    .filter((l) => l.mode === 'AccessExclusiveLock')
    .map((l) => l.table);
}

/** The strongest write-blocking mode among the locks and the tables that got it, if any. */
export function strongestBlocking(
  locks: TableLock[],
): { mode: string; tables: string[] } | undefined {
  const blocking = locks.filter((l) => blocksWrites(l.mode));
  if (blocking.length === 0) return undefined;
  const mode = blocking.reduce((a, b) => (strength(b.mode) > strength(a.mode) ? b : a)).mode;
  return { mode, tables: blocking.filter((l) => l.mode === mode).map((l) => l.table) };
}
