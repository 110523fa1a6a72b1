import type pg from 'pg';
import type { Migration, Statement } from '../../engine/model.js';
import type { StatementTrace } from '../../engine/trace.js';
import type { GateContext, TenantHandle } from '../gate.js';
import { relationsIn } from './ast.js';
import type { LocksSettings } from './config.js';
import { traceKey, type WorkloadWaits } from './context.js';
import type { Scope } from './scope.js';

/**
 * The concurrent workload probe: on a copy of the pre-PR database, a few connections keep
 * reading and writing the pre-existing tables a migration touches while the migration runs, and
 * a monitor samples pg_stat_activity for workload queries waiting on a lock. Each wait is
 * credited to the migration statement running when it began.
 */

const WORKLOAD_APP = 'schemagate-workload';

const SAMPLE_SQL = `
select pid, application_name as app, query, wait_event_type as wait,
       extract(epoch from clock_timestamp() - query_start) * 1000 as waited_ms, query_start::text as started
from pg_stat_activity
where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`;

/** Pre-existing tables a migration touches: locked in the replay trace or named by its SQL. */
export function touchedTables(
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
  return key.startsWith('$tenant.')
    ? `"${tenant.schema.replace(/"/g, '""')}".${key.slice(8)}`
    : key;
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
  for (const migration of ctx.added) {
    const tables = touchedTables(migration, scope, traces);
    const run = () => ctx.databases.applyScript(tenant, migration, 'up');
    if (tables.length === 0) {
      if ((await run()).some((t) => t.error)) break;
      continue;
    }
    result.tables.set(
      migration.id,
      tables.map((k) => k.replace(/^\$tenant\./, '')),
    );
    const sql = tables.map((k) => qualified(k, tenant));
    const { traces: ran, waits } = await withWorkload(
      ctx,
      tenant,
      sql,
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

async function workloadClients(
  ctx: GateContext,
  tenant: TenantHandle,
  count: number,
): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  for (let i = 0; i < count; i++) {
    const client = await ctx.databases.connect(tenant);
    await client.query(`select set_config('application_name', $1, false)`, [WORKLOAD_APP]);
    clients.push(client);
  }
  return clients;
}

/** One client's loop: alternately a read and a write lock request on each table. */
async function keepQuerying(
  client: pg.Client,
  tables: string[],
  offset: number,
  running: () => boolean,
): Promise<void> {
  for (let n = offset; running(); n++) {
    const table = tables[n % tables.length];
    const sql =
      (n >> 1) % 2 === 0 ? `select 1 from ${table} limit 1` : `delete from ${table} where false`;
    await client.query(sql).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Which statement of the script a pg_stat_activity query text is. */
function statementIndex(statements: Statement[], query: string, from: number): number | undefined {
  const q = query.trim();
  const matches = (s: Statement) =>
    s.sql.trim() === q || (q.length >= 1000 && s.sql.trim().startsWith(q));
  const ahead = statements.findIndex((s, i) => i >= from && matches(s));
  if (ahead >= 0) return ahead;
  const any = statements.findIndex(matches);
  return any >= 0 ? any : undefined;
}

async function withWorkload(
  ctx: GateContext,
  tenant: TenantHandle,
  tables: string[],
  clientCount: number,
  statements: Statement[],
  run: () => Promise<StatementTrace[]>,
): Promise<{ traces: StatementTrace[]; waits: Map<number, number> }> {
  const clients = await workloadClients(ctx, tenant, clientCount);
  const monitor = await ctx.databases.connectTo(tenant.database);
  const waits = new Map<number, number>();
  let running = true;
  try {
    const loops = clients.map((c, i) => keepQuerying(c, tables, i, () => running));
    const waitStart = new Map<string, number>();
    let current = -1;
    const sampler = (async () => {
      while (running) {
        const rows = (await monitor.query(SAMPLE_SQL).catch(() => ({ rows: [] as any[] }))).rows;
        const migrator = rows.find((r) => r.app !== WORKLOAD_APP);
        const index = migrator
          ? statementIndex(statements, migrator.query ?? '', Math.max(current, 0))
          : undefined;
        if (index !== undefined) current = index;
        for (const r of rows.filter((x) => x.app === WORKLOAD_APP && x.wait === 'Lock')) {
          const key = `${r.pid}:${r.started}`;
          if (!waitStart.has(key)) waitStart.set(key, Math.max(current, 0));
          const at = waitStart.get(key)!;
          waits.set(at, Math.max(waits.get(at) ?? 0, Number(r.waited_ms)));
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 30));
    const traces = await run().finally(() => (running = false));
    await Promise.all([...loops, sampler]);
    return { traces, waits };
  } finally {
    running = false;
    await Promise.all([...clients, monitor].map((c) => c.end().catch(() => undefined)));
  }
}
