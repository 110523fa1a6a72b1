import type pg from 'pg';
import type { Statement } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import type { AfterStatement } from '../../core/trace.js';
import type { GateContext, TenantHandle } from '../gate.js';
import { blocksWrites } from './lock-modes.js';

/**
 * A few connections that keep reading and writing tables while a migration runs on the same
 * database. Each workload query first runs with a 1 ms lock_timeout: when that times out the
 * query would have queued behind the migration, so it is re-run without the bound and the whole
 * wait is timed; a monitor connection follows which statement the migration runs.
 *
 * The loop only sees a lock if one of its queries arrives while the lock is held, which on a
 * small seeded table may be a millisecond. So after each statement, while its transaction still
 * holds what it took, every workload table the statement locked against reads or writes gets one
 * more query, which is sure to queue: its wait lasts until the lock is released.
 */

const WORKLOAD_APP = 'schemagate-workload';
const PROBE_TIMEOUT = `set lock_timeout = '1ms'`;

/** Whether a lock in `mode` makes a workload query in `query` wait (Postgres' lock table). */
const conflicts = (query: WorkloadMode, mode: string) =>
  query === 'AccessShareLock' ? mode === 'AccessExclusiveLock' : blocksWrites(mode);

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

async function workloadClient(ctx: GateContext, tenant: TenantHandle): Promise<pg.Client> {
  const client = await ctx.databases.connect(tenant);
  await client.query(`select set_config('application_name', $1, false)`, [WORKLOAD_APP]);
  await client.query(PROBE_TIMEOUT);
  return client;
}

function workloadQuery(table: WorkloadTable, mode: WorkloadMode): string {
  return mode === 'AccessShareLock'
    ? `select 1 from ${table.sql} limit 1`
    : `delete from ${table.sql} where false`;
}

/** The workload mode a statement's new locks on `table` block, reads first (they block both). */
function blockedMode(trace: StatementTrace, table: WorkloadTable): WorkloadMode | undefined {
  const modes = trace.locks.filter((l) => l.relation === table.traceName).map((l) => l.mode);
  if (modes.some((m) => conflicts('AccessShareLock', m))) return 'AccessShareLock';
  if (modes.some((m) => conflicts('RowExclusiveLock', m))) return 'RowExclusiveLock';
  return undefined;
}

/**
 * Queries sent after a statement, while its locks are held: each is timed until it gets its lock.
 * The statement's transaction goes on only once each of them is seen queued in pg_locks.
 */
class QueuedQueries {
  private readonly idle: Array<{ client: pg.Client; pid: number }> = [];
  private readonly all: pg.Client[] = [];
  private readonly pending: Promise<void>[] = [];

  private constructor(
    private readonly ctx: GateContext,
    private readonly tenant: TenantHandle,
    private readonly tables: WorkloadTable[],
    private readonly watcher: pg.Client,
    private readonly blocked: BlockedQuery[],
  ) {}

  static async open(
    ctx: GateContext,
    tenant: TenantHandle,
    tables: WorkloadTable[],
    blocked: BlockedQuery[],
  ): Promise<QueuedQueries> {
    // pg_locks is readable by every role: the migration role watches as it migrates.
    const watcher = await ctx.databases.connectTo(tenant.database);
    const queued = new QueuedQueries(ctx, tenant, tables, watcher, blocked);
    queued.all.push(watcher);
    for (let i = 0; i < tables.length; i++) queued.idle.push(await queued.connection());
    return queued;
  }

  readonly afterStatement = async (trace: StatementTrace): Promise<void> => {
    if (!trace.inTransaction) return;
    for (const table of this.tables) {
      const mode = blockedMode(trace, table);
      if (mode) await this.queue(table, mode, trace.index);
    }
  };

  private async connection(): Promise<{ client: pg.Client; pid: number }> {
    const client = await workloadClient(this.ctx, this.tenant);
    this.all.push(client);
    const r = await client.query<{ pid: number }>(
      `set lock_timeout = 0; select pg_backend_pid() as pid`,
    );
    const rows = (Array.isArray(r) ? r[1] : r) as pg.QueryResult<{ pid: number }>;
    return { client, pid: rows.rows[0].pid };
  }

  private async queue(table: WorkloadTable, mode: WorkloadMode, index: number): Promise<void> {
    const conn = this.idle.pop() ?? (await this.connection());
    const started = performance.now();
    let settled = false;
    const finished = conn.client.query(workloadQuery(table, mode)).then(
      () => undefined,
      () => undefined,
    );
    let queued = false;
    const waited = finished.then(() => {
      settled = true;
      this.idle.push(conn);
      if (queued) {
        this.blocked.push({ table, mode, seenAt: index, waitedMs: performance.now() - started });
      }
    });
    this.pending.push(waited);
    const deadline = started + 2000;
    while (!settled && !queued && performance.now() < deadline) {
      const r = await this.watcher.query<{ waiting: boolean }>(
        'select exists (select 1 from pg_locks where pid = $1 and not granted) as waiting',
        [conn.pid],
      );
      queued = r.rows[0].waiting;
    }
  }

  /** Waits for every queued query to get its lock (the migration has committed or rolled back). */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((c) => c.end().catch(() => undefined)));
  }
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
    const sql = workloadQuery(table, mode);
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
    .filter((t) => t.locks.some((l) => l.relation === q.traceName && conflicts(q.mode, l.mode)))
    .map((t) => t.index);
  const reached = conflicting.filter((i) => i <= q.seenAt);
  return reached.length
    ? reached[reached.length - 1]
    : (conflicting.find((i) => i > q.seenAt) ?? q.seenAt);
}

/**
 * The statement the migration runs, as the monitor last saw it; undefined once the migration
 * has ended. A reading that arrives after the end (the monitor's query was on its way) does not
 * bring it back: the workload's loops, which run while there is a position, would never stop.
 */
export class MigrationPosition {
  private index = 0;
  private over = false;

  get current(): number | undefined {
    return this.over ? undefined : this.index;
  }

  get ended(): boolean {
    return this.over;
  }

  at(index: number): void {
    if (!this.over) this.index = index;
  }

  end(): void {
    this.over = true;
  }
}

/** Runs `run` (the migration) under the workload; longest wait per statement index. */
export async function withWorkload(
  ctx: GateContext,
  tenant: TenantHandle,
  tables: WorkloadTable[],
  clientCount: number,
  statements: Statement[],
  run: (afterStatement: AfterStatement) => Promise<StatementTrace[]>,
): Promise<{ traces: StatementTrace[]; waits: Map<number, number> }> {
  const clients: pg.Client[] = [];
  const position = new MigrationPosition();
  const blocked: BlockedQuery[] = [];
  let monitor: pg.Client | undefined;
  let queued: QueuedQueries | undefined;
  try {
    for (let i = 0; i < clientCount; i++) clients.push(await workloadClient(ctx, tenant));
    // The migration runs as the migration role, and pg_stat_activity shows a role its own
    // sessions' query text: the monitor needs no superuser (nor pg_read_all_stats).
    monitor = await ctx.databases.connectTo(tenant.database);
    queued = await QueuedQueries.open(ctx, tenant, tables, blocked);
    const loops = clients.map((c, i) =>
      keepQuerying(c, tables, i, () => position.current, blocked),
    );
    const follow = followMigration(
      monitor,
      statements,
      (i) => position.at(i),
      () => position.ended,
    );
    await new Promise((r) => setTimeout(r, 20));
    const traces = await run(queued.afterStatement).finally(() => position.end());
    await Promise.all([...loops, follow, queued.settle()]);
    const waits = new Map<number, number>();
    for (const q of blocked) {
      const at = blockingStatement(traces, { ...q, traceName: q.table.traceName });
      waits.set(at, Math.max(waits.get(at) ?? 0, q.waitedMs));
    }
    return { traces, waits };
  } finally {
    position.end();
    await queued?.close();
    await Promise.all([...clients, monitor].map((c) => c?.end().catch(() => undefined)));
  }
}
