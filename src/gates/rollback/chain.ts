import type { Finding, Migration } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { failedTrace, pgErrorText, stateAfterFailure } from './describe.js';
import { reapplyFailed } from './pair.js';
import { ROLLBACK, finding } from '../../rules/index.js';
import { UNTRACED, type Sandbox } from '../sandbox.js';

/**
 * The last `length` added migrations rolled back in reverse order from the fully migrated state,
 * then applied again: what an operator does to back a release out and roll it forward.
 */
export async function checkChain(
  ctx: GateContext,
  sandbox: Sandbox,
  length: number,
): Promise<Finding[]> {
  const chain = rollbackable(ctx.plan.added.slice(ctx.plan.added.length - length));
  if (chain.length === 0) return [];
  if (!(await sandbox.at(ctx.plan.added.length))) return [];
  // Whatever the chain finds, the copy is no longer the fully migrated state.
  sandbox.spoil();
  const rolledBack: Migration[] = [];
  for (const m of [...chain].reverse()) {
    const failure = failedTrace(await sandbox.apply(m, 'down', UNTRACED));
    if (failure) return [chainDownFailed(m, rolledBack, failure)];
    rolledBack.push(m);
  }
  for (const m of chain) {
    const failure = failedTrace(await sandbox.apply(m, 'up', UNTRACED));
    if (failure) return [reapplyFailed(m, failure)];
  }
  return [];
}

/** The tail of the chain that has downs: rolling back stops at a migration without one. */
function rollbackable(chain: Migration[]): Migration[] {
  let start = chain.length;
  while (start > 0 && chain[start - 1].down) start--;
  return chain.slice(start);
}

function chainDownFailed(
  m: Migration,
  rolledBack: Migration[],
  t: import('../../core/trace.js').StatementTrace,
): Finding {
  const after =
    rolledBack.length > 0
      ? `after rolling back ${rolledBack.map((r) => r.id).join(', ')}`
      : 'from the fully migrated state';
  return finding(ROLLBACK.downFailed, {
    file: t.file,
    line: t.line,
    endLine: t.endLine,
    message: `Rolling back the added migrations in reverse order fails at the down of ${m.id} (${after}): ${pgErrorText(m.down!, t)} ${stateAfterFailure(m.down!, t)}`,
    help: 'Each down must apply to the state the later downs leave: drop dependants before what they depend on, and keep downs independent of later migrations.',
  });
}
