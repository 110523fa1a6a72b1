import type pg from 'pg';
import type { Statement } from '../../engine/model.js';
import type { StatementTrace } from '../../engine/trace.js';
import type { GateContext, TenantHandle } from '../gate.js';

/**
 * A few connections that keep reading and writing tables while a migration runs on the same
 * database. Each workload query first runs with a 1 ms lock_timeout: when that times out the
 * query would have queued behind the migration, so it is re-run without the bound and the whole
 * wait is timed. The detection does not depend on sampling, so even a lock held for a few
 * milliseconds is seen; a monitor connection only follows which statement the migration runs.
 */

const WORKLOAD_APP = 'schemagate-workload';
const PROBE_TIMEOUT = `set lock_timeout = '1ms'`;

/** Lock modes that conflict with what the workload's queries request (Postgres' lock table). */
const CONFLICTS: Record<WorkloadMode, Set<string>> = {
  AccessShareLock: new Set(['AccessExclusiveLock']),
  RowExclusiveLock: new Set([
    'ShareLock',
    'ShareRowExclusiveLock',
    'ExclusiveLock',
    'AccessExclusiveLock',
  ]),
};

type WorkloadMode = 'AccessShareLock' | 'RowExclusiveLock';

export interface WorkloadTable {
  /** Qualified SQL name in the probe database. */
  sql: string;
  /** Name as the trace shows it (`users`, `public.plans`). */
  traceName: string;
}

interface BlockedQuery {
  table: WorkloadTable;
  mode: WorkloadMode;
  /** Statement the migration was running when the query hit the lock, as far as seen. */
  seenAt: number;
  waitedMs: number;
}

async function workloadClients(ctx: GateContext, tenant: TenantHandle, count: number) {
  const clients: pg.Client[] = [];
  for (let i = 0; i < count; i++) {
    const client = await ctx.databases.connect(tenant);
    await client.query(`select set_config('application_name', $1, false)`, [WORKLOAD_APP]);
    await client.query(PROBE_TIMEOUT);
    clients.push(client);
  }
  return clients;
}

/** One client's loop: writes and reads in turn over the tables, about one per millisecond. */
async function keepQuerying(
  client: pg.Client,
  tables: WorkloadTable[],
  offset: number,
  position: () => number | undefined,
  blocked: BlockedQuery[],
): Promise<void> {
  for (let n = offset; position() !== undefined; n++) {
    const table = tables[n % tables.length];
    // Mostly writes: every lock that blocks a read blocks a write too, so writes see every window.
    const mode: WorkloadMode = n % 4 === 3 ? 'AccessShareLock' : 'RowExclusiveLock';
    const sql =
      mode === 'AccessShareLock'
        ? `select 1 from ${table.sql} limit 1`
        : `delete from ${table.sql} where false`;
    const started = performance.now();
    const error = await client.query(sql).then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    );
    if (error?.code === '55P03') {
      const seenAt = position() ?? 0;
      // One simple-query string: unbounded wait for this query only.
      await client.query(`set lock_timeout = 0; ${sql}; ${PROBE_TIMEOUT}`).catch(() => undefined);
      blocked.push({ table, mode, seenAt, waitedMs: performance.now() - started });
    }
    await new Promise((r) => setTimeout(r, 1));
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

/** Follows the migrating backend's current statement until `done()`. */
async function followMigration(
  monitor: pg.Client,
  statements: Statement[],
  onStatement: (index: number) => void,
  done: () => boolean,
): Promise<void> {
  let current = 0;
  while (!done()) {
    const r = await monitor
      .query<{ query: string }>(
        `select query from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()
           and backend_type = 'client backend' and application_name <> $1 and state <> 'idle'`,
        [WORKLOAD_APP],
      )
      .catch(() => ({ rows: [] as Array<{ query: string }> }));
    const index = r.rows.length ? statementIndex(statements, r.rows[0].query, current) : undefined;
    if (index !== undefined) onStatement((current = index));
    await new Promise((r) => setTimeout(r, 1));
  }
}

/**
 * The statement whose lock a blocked query waited for: among the statements that took a
 * conflicting lock on its table, the last one the migration had reached, else the next one.
 */
export function blockingStatement(
  traces: StatementTrace[],
  q: { traceName: string; mode: WorkloadMode; seenAt: number },
): number {
  const conflicting = traces
    .filter((t) => t.locks.some((l) => l.relation === q.traceName && CONFLICTS[q.mode].has(l.mode)))
    .map((t) => t.index);
  const reached = conflicting.filter((i) => i <= q.seenAt);
  return reached.length
    ? reached[reached.length - 1]
    : (conflicting.find((i) => i > q.seenAt) ?? q.seenAt);
}

/** Runs `run` (the migration) under the workload; longest wait per statement index. */
export async function withWorkload(
  ctx: GateContext,
  tenant: TenantHandle,
  tables: WorkloadTable[],
  clientCount: number,
  statements: Statement[],
  run: () => Promise<StatementTrace[]>,
): Promise<{ traces: StatementTrace[]; waits: Map<number, number> }> {
  const clients = await workloadClients(ctx, tenant, clientCount);
  const monitor = await ctx.databases.connectTo(tenant.database);
  let position: number | undefined = 0;
  const blocked: BlockedQuery[] = [];
  try {
    const loops = clients.map((c, i) => keepQuerying(c, tables, i, () => position, blocked));
    const follow = followMigration(
      monitor,
      statements,
      (i) => (position = i),
      () => position === undefined,
    );
    await new Promise((r) => setTimeout(r, 20));
    const traces = await run().finally(() => (position = undefined));
    await Promise.all([...loops, follow]);
    const waits = new Map<number, number>();
    for (const q of blocked) {
      const at = blockingStatement(traces, { ...q, traceName: q.table.traceName });
      waits.set(at, Math.max(waits.get(at) ?? 0, q.waitedMs));
    }
    return { traces, waits };
  } finally {
    position = undefined;
    await Promise.all([...clients, monitor].map((c) => c.end().catch(() => undefined)));
  }
}
