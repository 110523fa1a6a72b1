import type { Migration } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import type { GateContext, TenantHandle } from '../gate.js';
import { relationsIn } from './ast.js';
import type { LocksSettings } from '../../core/settings.js';
import { traceKey, type WorkloadWaits } from './context.js';
import type { Scope } from './scope.js';
import { withWorkload } from './workload.js';
import type { AfterStatement } from '../../core/trace.js';
import { quoteIdent } from '../../sql/ident.js';
import { plainName } from '../../sql/names.js';

/**
 * The concurrent workload probe: on a copy of the pre-PR database, the PR's migrations run one by
 * one while a few connections keep reading and writing the pre-existing tables each touches
 * (see workload.ts); the longest wait per statement is what the lock rules report.
 */

/** Pre-existing tables a migration touches: locked in the replay trace or named by its SQL. */
function touchedTables(
  migration: Migration,
  scope: Scope,
  traces: Map<string, StatementTrace>,
): string[] {
  const keys = new Set<string>();
  for (const stmt of migration.up.statements) {
    for (const lock of traces.get(traceKey(stmt.file, stmt.line))?.locks ?? []) {
      const key = scope.traceKey(lock.relation);
      if (lock.preexisting && scope.isTable(key)) keys.add(key);
    }
    for (const r of relationsIn(stmt.ast)) {
      const key = scope.table(r);
      if (key) keys.add(key);
    }
  }
  return [...keys].sort();
}

/** `$tenant.users` → `"tenant_1".users` for the probe tenant. */
function qualified(key: string, tenant: TenantHandle): string {
  return key.startsWith('$tenant.') ? `${quoteIdent(tenant.schema)}.${key.slice(8)}` : key;
}

export async function probeWorkload(
  ctx: GateContext,
  settings: LocksSettings,
  scope: Scope,
  traces: Map<string, StatementTrace>,
): Promise<WorkloadWaits> {
  const result: WorkloadWaits = { waits: new Map(), tables: new Map() };
  const clone = await ctx.databases.cloneBase('locks_probe');
  const tenant = clone.tenants.find((t) => t.name === ctx.tenants[0]?.name) ?? clone.tenants[0];
  for (const migration of ctx.plan.added) {
    const tables = touchedTables(migration, scope, traces);
    const run = (afterStatement?: AfterStatement) =>
      ctx.databases.applyScript(tenant, migration, 'up', afterStatement);
    if (tables.length === 0) {
      if ((await run()).some((t) => t.error)) break;
      continue;
    }
    result.tables.set(migration.id, tables.map(plainName));
    const workload = tables.map((k) => ({ sql: qualified(k, tenant), traceName: plainName(k) }));
    const { traces: ran, waits } = await withWorkload(
      ctx,
      tenant,
      workload,
      settings.workload.clients,
      migration.up.statements,
      run,
    );
    for (const t of ran) result.waits.set(traceKey(t.file, t.line), waits.get(t.index) ?? 0);
    ctx.logger.debug(
      `locks probe ${migration.file}: ${[...waits].map(([i, ms]) => `#${i} ${Math.round(ms)} ms`).join(', ') || 'no waits'}`,
    );
    if (ran.some((t) => t.error)) break;
  }
  return result;
}
