import { getErrorMessage } from '../core/errors.js';
import type { AfterStatement, StatementTrace } from '../core/trace.js';
import type { ApplyUp, GateContext, Walker } from './gate.js';
import { Sandbox } from './sandbox.js';

/**
 * The walk: the PR's added migrations applied one by one, on one tenant of one copy of the base,
 * for every gate that measures something around an up (the locks gate's concurrent workload,
 * the replica gate's query conflicts, the rollback gate's up → down → up). Each up runs once for
 * all of them, where each gate used to copy the base and apply the PR on its own.
 *
 * Walkers nest around the up: the one with the lowest `layer` runs closest to it. A walker that
 * leaves the tenant other than replay would (a down that does not restore it) spoils the sandbox,
 * and the next migration starts from a fresh copy.
 */

/** Runs both hooks, the outer one first. */
function both(outer?: AfterStatement, inner?: AfterStatement): AfterStatement | undefined {
  if (!outer || !inner) return outer ?? inner;
  return async (trace) => {
    await outer(trace);
    await inner(trace);
  };
}

/**
 * `walker` around `inner`. An error of the walker's own stops that walker only: the up still
 * runs (or has run) for the others, and a state the walker may have left half-changed is spoiled.
 */
function wrap(walker: Walker, sandbox: Sandbox, index: number, inner: ApplyUp): ApplyUp {
  return async (afterStatement) => {
    if (walker.error !== undefined || index >= walker.until) return inner(afterStatement);
    let ran: Promise<StatementTrace[]> | undefined;
    let innerFailed = false;
    try {
      return await walker.step(index, sandbox, (own) => {
        ran ??= inner(both(afterStatement, own)).catch((error: unknown) => {
          innerFailed = true;
          throw error;
        });
        return ran;
      });
    } catch (error) {
      if (innerFailed) throw error;
      walker.error = error;
      sandbox.spoil();
      return ran ?? inner(afterStatement);
    }
  };
}

/**
 * Walks the added migrations for `walkers` on the first tenant, and returns the sandbox at the
 * end of the walk (the rollback gate's chain goes on from there); the caller closes it.
 */
export async function walk(ctx: GateContext, walkers: Walker[]): Promise<Sandbox | undefined> {
  const tenant = ctx.tenants[0];
  const end = Math.max(0, ...walkers.map((w) => w.until));
  if (!tenant || end === 0) return undefined;
  const sandbox = new Sandbox(ctx, tenant.name, 'walk');
  const nested = [...walkers].sort((a, b) => a.layer - b.layer);
  try {
    for (let i = 0; i < end; i++) {
      if (!(await sandbox.at(i))) break;
      const migration = ctx.plan.added[i];
      let up: ApplyUp = (afterStatement) => sandbox.apply(migration, 'up', { afterStatement });
      for (const walker of nested) up = wrap(walker, sandbox, i, up);
      const traces = await up();
      if (traces.some((t) => t.error)) break;
    }
  } catch (error) {
    // The up itself could not run (the server went away): every walker stops with it.
    ctx.logger.debug(`walk: ${getErrorMessage(error)}`);
    for (const w of walkers) w.error ??= error;
  }
  return sandbox;
}
