import type { Script, Statement } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import { toolOpensTransaction, wrapsInTransaction } from '../../replay/script-runner.js';
import { transactionControl } from '../../sql/kinds.js';
import { errorLine } from '../../replay/tracer.js';

/** Messages about a script that failed while rolling back or re-applying. */

export function failedTrace(traces: StatementTrace[]): StatementTrace | undefined {
  return traces.find((t) => t.error);
}

/** `file:line: message (SQLSTATE x). Detail: ... Hint: ...`, ending with a period. */
export function pgErrorText(script: Script, t: StatementTrace): string {
  const e = t.error!;
  const parts = [
    `${t.file}:${errorLine(t, script.statements[t.index]?.sql)}: ${e.message} (SQLSTATE ${e.sqlstate})`,
  ];
  if (e.detail) parts.push(`Detail: ${e.detail}`);
  if (e.hint) parts.push(`Hint: ${e.hint}`);
  return `${parts.map((p) => p.replace(/\.$/, '')).join('. ')}.`;
}

/**
 * Statements of a script that stay applied when it fails at `failedIndex`: none when the script
 * runs in one transaction; otherwise those that ran autocommitted or in a transaction block the
 * script committed before the failure.
 */
export function appliedBeforeFailure(script: Script, failedIndex: number): Statement[] {
  if (wrapsInTransaction(script)) return [];
  const committed: Statement[] = [];
  let pending: Statement[] | undefined = toolOpensTransaction(script) ? [] : undefined;
  for (const stmt of script.statements.slice(0, failedIndex)) {
    const control = transactionControl(stmt);
    if (control === 'begin') pending ??= [];
    else if (control === 'commit') {
      committed.push(...(pending ?? []));
      pending = undefined;
    } else if (control === 'rollback') pending = undefined;
    else if (pending) pending.push(stmt);
    else committed.push(stmt);
  }
  return committed;
}

/** What a failure midway leaves behind, for the finding's message. */
export function stateAfterFailure(script: Script, t: StatementTrace): string {
  if (wrapsInTransaction(script))
    return `Nothing of ${script.file} stays applied: it runs in one transaction.`;
  const applied = appliedBeforeFailure(script, t.index);
  if (applied.length === 0) return `No statement of ${script.file} was applied before the failure.`;
  const lines = applied.map((s) => s.line).join(', ');
  const what =
    applied.length > 1
      ? `statements at ${script.file} lines ${lines} stay`
      : `statement at ${script.file}:${lines} stays`;
  return `It does not run in one transaction: the ${what} applied, so the database is left half rolled back.`;
}
