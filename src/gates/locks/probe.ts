import type { Migration } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import type { ApplyUp, GateContext, TenantHandle, Walker } from '../gate.js';
import type { Sandbox } from '../sandbox.js';
import { relationsIn } from './ast.js';
import type { LocksSettings } from '../../core/settings.js';
import { traceKey, type WorkloadWaits } from './context.js';
import type { Scope } from './scope.js';
import { withWorkload } from './workload.js';
import { quoteIdent } from '../../sql/ident.js';
import { plainName } from '../../sql/names.js';

/**
 * The concurrent workload probe, the locks gate's part in the walk (walk.ts): while each of the
 * PR's migrations runs on a copy of the pre-PR database, a few connections keep reading and
 * writing the pre-existing tables it touches (see workload.ts); the longest wait per statement
 * is what the lock rules report.
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

export class WorkloadProbe implements Walker {
  /** Closest to the up: the workload watches the migration's own statements. */
  readonly layer = 0;
  readonly until: number;
  readonly result: WorkloadWaits = { waits: new Map(), tables: new Map() };
  error?: unknown;

  constructor(
    private readonly ctx: GateContext,
    private readonly settings: LocksSettings,
    private readonly scope: Scope,
    private readonly traces: Map<string, StatementTrace>,
  ) {
    this.until = ctx.plan.added.length;
  }

  async step(index: number, sandbox: Sandbox, up: ApplyUp): Promise<StatementTrace[]> {
    const migration = this.ctx.plan.added[index];
    const tables = touchedTables(migration, this.scope, this.traces);
    if (tables.length === 0) return up();
    const tenant = sandbox.tenant;
    this.result.tables.set(migration.id, tables.map(plainName));
    const workload = tables.map((k) => ({ sql: qualified(k, tenant), traceName: plainName(k) }));
    const { traces: ran, waits } = await withWorkload(
      this.ctx,
      tenant,
      workload,
      this.settings.workload.clients,
      migration.up.statements,
      up,
    );
    for (const t of ran) this.result.waits.set(traceKey(t.file, t.line), waits.get(t.index) ?? 0);
    this.ctx.logger.debug(
      `locks probe ${migration.file}: ${[...waits].map(([i, ms]) => `#${i} ${Math.round(ms)} ms`).join(', ') || 'no waits'}`,
    );
    return ran;
  }
}
