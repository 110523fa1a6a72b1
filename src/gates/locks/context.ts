import type { Finding, Migration, Script, Severity, Statement } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import { LOCKS, finding, type Rule } from '../../rules/index.js';
import type { LocksSettings } from '../../core/settings.js';
import type { Scope } from './scope.js';
import type { TransactionLayout } from './transactions.js';

/** What the probe measured: longest workload wait per statement (`file:line`) and touched tables. */
export interface WorkloadWaits {
  waits: Map<string, number>;
  /** Pre-existing tables the workload ran against, per migration id. */
  tables: Map<string, string[]>;
}

/** One statement of an added migration, with everything the rules look at. */
export interface StatementContext {
  migration: Migration;
  script: Script;
  stmt: Statement;
  index: number;
  layout: TransactionLayout;
  /** Replay trace of this statement on the analysed tenant; absent when it did not run. */
  trace?: StatementTrace;
  scope: Scope;
  settings: LocksSettings;
  workload?: WorkloadWaits;
}

/** Rules whose findings carry the workload probe's measured wait. */
const WAIT_RULES = new Set<string>([
  LOCKS.tableRewrite.id,
  LOCKS.exclusiveLockHeld.id,
  LOCKS.nonConcurrentIndex.id,
  LOCKS.nonConcurrentDetach.id,
  LOCKS.constraintWithoutNotValid.id,
  LOCKS.setNotNull.id,
  LOCKS.constraintIndexInPlace.id,
  LOCKS.missingLockTimeout.id,
  LOCKS.multipleExclusiveLocks.id,
]);

export const traceKey = (file: string, line: number) => `${file}:${line}`;

/** ` Under a concurrent workload ...` for the statements given, or '' without a probe. */
export function waitNote(sc: StatementContext, statements: Statement[] = [sc.stmt]): string {
  const measured = statements
    .map((s) => sc.workload?.waits.get(traceKey(s.file, s.line)))
    .filter((w): w is number => w !== undefined);
  if (measured.length === 0) return '';
  const tables = sc.workload?.tables.get(sc.migration.id) ?? [];
  const on = tables.length ? ` on ${tables.join(', ')}` : '';
  const ms = Math.max(...measured);
  return ms > 0
    ? ` Under a concurrent workload, queries${on} waited up to ${formatMs(ms)} ms.`
    : ` Under a concurrent workload, no query${on} waited.`;
}

function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** A finding of a locks rule at the statement, with the measured wait added when it applies. */
export function at(
  sc: StatementContext,
  rule: Rule,
  message: string,
  help: string,
  options: { severity?: Severity; waitOver?: Statement[] } = {},
): Finding {
  const note = WAIT_RULES.has(rule.id) ? waitNote(sc, options.waitOver) : '';
  return finding(rule, {
    file: sc.stmt.file,
    line: sc.stmt.line,
    endLine: sc.stmt.endLine,
    message: `${message}${note}`,
    help,
    ...(options.severity ? { severity: options.severity } : {}),
  });
}
