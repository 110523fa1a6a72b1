import {
  alterCmds,
  astOf,
  constraintsOf,
  rangeVar,
  relationOf,
  unwrap,
  type AlterTableCmd,
} from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { relationsIn } from './ast.js';
import type { StatementContext } from './context.js';
import { exclusiveTables, tableLocks } from './lock-modes.js';
import type { Scope } from './scope.js';

/**
 * What a statement does while its transaction already holds ACCESS EXCLUSIVE on a pre-existing
 * table: work that grows with a pre-existing table (rewrites, backfills, scans, index builds), or
 * a wait for ACCESS EXCLUSIVE on another pre-existing table. Catalog-only DDL (a nullable column,
 * a default, a NOT VALID constraint, a comment, a function, a trigger) and statements on tables
 * the PR creates take milliseconds and are none of these.
 */

export interface HeldWork {
  /** `reads users`, `scans users to build an index`, ... */
  text: string;
  /** Work proportional to a table's size, as opposed to a wait for another table's lock. */
  long: boolean;
}

export function workWhileHeld(sc: StatementContext, held: Set<string>): HeldWork | undefined {
  const work = longWork(sc);
  if (work) return { text: work, long: true };
  const waits = exclusiveTables(sc)
    .filter((t) => !held.has(t))
    .map(plainName);
  if (waits.length === 0) return undefined;
  const list = waits.join(', ');
  return {
    text: `requests ACCESS EXCLUSIVE on ${list}, which first waits for every running query on ${list}`,
    long: false,
  };
}

const DML = ['UpdateStmt', 'DeleteStmt', 'SelectStmt', 'CreateTableAsStmt', 'MergeStmt'];
/** Statements whose table work only the trace shows (a DO block, a function call, a refresh). */
const OPAQUE = ['DoStmt', 'CallStmt', 'SelectStmt', 'ExecuteStmt', 'RefreshMatViewStmt'];
const DATA_MODES = ['AccessShareLock', 'RowShareLock', 'RowExclusiveLock'];

function longWork(sc: StatementContext): string | undefined {
  if (sc.trace?.rewritten.length && sc.stmt.kind !== 'TruncateStmt')
    return `rewrites ${sc.trace.rewritten.join(', ')}`;
  return readWork(sc) ?? tracedWork(sc) ?? ddlWork(sc);
}

/** A query over a pre-existing table; INSERT ... VALUES writes only its own rows. */
function readWork({ stmt, scope }: StatementContext): string | undefined {
  const read = DML.includes(stmt.kind)
    ? relationsIn(stmt.ast)
    : relationsIn(astOf(stmt, 'InsertStmt')?.selectStmt);
  const scanned = read.map((r) => scope.table(r)).find(Boolean);
  return scanned ? `reads ${plainName(scanned)}` : undefined;
}

/** Rows of a pre-existing table read or written where the statement does not show it. */
function tracedWork(sc: StatementContext): string | undefined {
  if (!OPAQUE.includes(sc.stmt.kind)) return undefined;
  const touched = tableLocks(sc).find((l) => DATA_MODES.includes(l.mode));
  if (!touched) return undefined;
  return `${touched.mode === 'RowExclusiveLock' ? 'writes' : 'reads'} ${plainName(touched.table)}`;
}

/** Whether a statement scans or rewrites the pre-existing table it alters (trace and statement). */
export function scansOrRewrites(sc: StatementContext): boolean {
  return !!sc.trace?.rewritten.length || ddlWork(sc) !== undefined;
}

/** An index build, a validation or a NOT NULL check over a pre-existing table. */
function ddlWork({ stmt, scope }: StatementContext): string | undefined {
  const table = scope.table(rangeVar(relationOf(stmt)));
  if (!table) return undefined;
  if (stmt.kind === 'IndexStmt') return `scans ${plainName(table)} to build an index`;
  return alterCmds(stmt).some((c) => scansTable(c, table, scope))
    ? `scans ${plainName(table)}`
    : undefined;
}

const INDEXED = new Set(['CONSTR_UNIQUE', 'CONSTR_PRIMARY', 'CONSTR_EXCLUSION']);
const VERIFIED = new Set([...INDEXED, 'CONSTR_CHECK', 'CONSTR_FOREIGN']);

/** Whether an ALTER TABLE command reads every row of the pre-existing table. */
function scansTable(c: AlterTableCmd, table: string, scope: Scope): boolean {
  switch (c.subtype) {
    case 'AT_ValidateConstraint':
      return true;
    case 'AT_SetNotNull':
      return (
        !scope.isNotNull(table, c.name ?? '') &&
        !scope.hasValidatedNotNullCheck(table, c.name ?? '')
      );
    case 'AT_AddConstraint': {
      const k = unwrap(c.def, 'Constraint');
      // USING INDEX adopts an index that is already built.
      return !k?.skip_validation && !k?.indexname && k?.contype !== 'CONSTR_DEFAULT';
    }
    case 'AT_AddColumn':
      // A constraint on the new column is checked (or indexed) against every existing row.
      return constraintsOf(unwrap(c.def, 'ColumnDef')).some((k) => VERIFIED.has(k.contype ?? ''));
    default:
      return false;
  }
}
