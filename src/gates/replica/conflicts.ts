import type pg from 'pg';
import type { Finding, Migration } from '../../core/model.js';
import type { StatementTrace } from '../../core/trace.js';
import type { ReplicaInfo } from '../../provision/provider.js';
import type { ApplyUp, GateContext, TenantHandle, Walker } from '../gate.js';
import type { Sandbox } from '../sandbox.js';
import type { ReplicaSettings } from '../../core/settings.js';
import { connectNode, primaryFlushedLsn, waitForReplay } from './lsn.js';
import { REPLICA, finding } from '../../rules/index.js';
import { quoteQualified, searchPathValue } from '../../sql/ident.js';

/**
 * Hot-standby query conflicts, observed: while a replica runs a read on the tables a migration
 * locks ACCESS EXCLUSIVE, the migration runs on the primary; when the standby replays that lock it
 * cancels the read ("conflict with recovery") after max_standby_streaming_delay. The migrations
 * run in the walk (walk.ts), on its copy of the base.
 */

interface Probe {
  migration: Migration;
  /** First statement of the migration that took ACCESS EXCLUSIVE on each relation. */
  takers: Map<string, StatementTrace>;
}

function probesFor(ctx: GateContext, limit: number): Probe[] {
  const statements = ctx.trace.pr[0]?.statements ?? [];
  const probes: Probe[] = [];
  for (const m of ctx.plan.added) {
    const takers = new Map<string, StatementTrace>();
    for (const t of statements.filter((s) => s.migrationId === m.id && !s.error)) {
      for (const l of t.locks) {
        if (l.preexisting && l.mode === 'AccessExclusiveLock' && !takers.has(l.relation))
          takers.set(l.relation, t);
      }
    }
    if (takers.size > 0 && probes.length < limit) probes.push({ migration: m, takers });
  }
  return probes;
}

/** Starts a read on the replica that holds AccessShareLock on the relations; resolves with its error. */
async function startReader(
  reader: pg.Client,
  tenant: TenantHandle,
  relations: string[],
): Promise<{ finished: Promise<Error | undefined>; tables: string[] }> {
  await reader.query(`select set_config('search_path', $1, false)`, [
    searchPathValue(tenant.searchPath),
  ]);
  await reader.query('begin isolation level repeatable read');
  // Readers read tables; the indexes the migration locks with them are held through the table.
  const tables = await tablesAmong(reader, relations);
  for (const r of tables) await reader.query(`select 1 from ${quoteQualified(r)} limit 1`);
  // Wrapped: an async function would otherwise wait for the sleep itself.
  const finished = reader.query('select pg_sleep(30)').then(
    () => undefined,
    (e: Error) => e,
  );
  return { finished, tables };
}

/** The relations a standby can read: tables, not unlogged or temporary ones (no WAL, no copy). */
async function tablesAmong(reader: pg.Client, relations: string[]): Promise<string[]> {
  const kinds = await reader.query<{ name: string }>(
    `select r.name from unnest($1::text[]) as r(name)
      join pg_class c on c.oid = to_regclass(r.name)
     where c.relkind in ('r', 'p', 'm') and c.relpersistence = 'p'`,
    [relations.map(quoteQualified)],
  );
  const tables = new Set(kinds.rows.map((k) => k.name));
  return relations.filter((r) => tables.has(quoteQualified(r)));
}

async function waitAll(
  ctx: GateContext,
  replica: ReplicaInfo,
  database: string,
  timeoutMs: number,
): Promise<void> {
  // WAL positions only (a synchronous commit of no change, pg_current_wal_insert_lsn,
  // pg_last_wal_replay_lsn): no user code.
  const primary = await ctx.databases.connectAsSuperuser(database, { catalogOnly: true });
  const target = await primaryFlushedLsn(primary).finally(() => primary.end());
  const standby = await connectNode(replica, 'postgres');
  await waitForReplay(standby, target, timeoutMs).finally(() => standby.end());
}

/** The replica gate's part in the walk: a read on the replica around each probed migration. */
export class ConflictProbe implements Walker {
  /** Around the workload, inside the rollback's down: the read sees the up's locks first. */
  readonly layer = 1;
  readonly until: number;
  error?: unknown;
  private readonly probes: Map<number, Probe>;
  private readonly found = new Map<number, Finding>();
  private readonly pending: Promise<void>[] = [];

  constructor(
    private readonly ctx: GateContext,
    private readonly replica: ReplicaInfo,
    private readonly settings: ReplicaSettings,
  ) {
    const probes = probesFor(ctx, settings.conflictProbes);
    this.probes = new Map(probes.map((p) => [ctx.plan.added.indexOf(p.migration), p]));
    this.until = Math.max(0, ...[...this.probes.keys()].map((i) => i + 1));
  }

  /** The conflicts seen, in the order of the migrations, once every read has ended. */
  async findings(): Promise<Finding[]> {
    await Promise.all(this.pending);
    if (this.error !== undefined) throw this.error;
    return [...this.found].sort(([a], [b]) => a - b).map(([, f]) => f);
  }

  async step(index: number, sandbox: Sandbox, up: ApplyUp): Promise<StatementTrace[]> {
    const probe = this.probes.get(index);
    if (!probe) return up();
    const { ctx, replica, settings } = this;
    const tenant = sandbox.tenant;
    // The copy, as far as it is, on the replica before the read starts there.
    await waitAll(ctx, replica, tenant.database, settings.lagTimeoutMs);
    const read = await readOnReplica(ctx, replica, tenant, probe, settings);
    const traces = await up().catch(async (error: unknown) => {
      await read.end().catch(() => undefined);
      throw error;
    });
    // The read ends once the replica has replayed the up: meanwhile the walk goes on (the locks
    // a down takes come later in the WAL than the up's).
    this.pending.push(
      read.end().then(
        (error) => {
          if (error && /conflict with recovery/i.test(error.message))
            this.found.set(index, conflictFinding(probe, read.tables, replica, error));
        },
        (error: unknown) => {
          this.error ??= error;
        },
      ),
    );
    return traces;
  }
}

/**
 * A read on the replica that holds the probe's tables until `end`: once the replica has replayed
 * what the primary has, it is cancelled, and `end` returns the error it ended with.
 */
async function readOnReplica(
  ctx: GateContext,
  replica: ReplicaInfo,
  tenant: TenantHandle,
  probe: Probe,
  settings: ReplicaSettings,
): Promise<{ tables: string[]; end: () => Promise<Error | undefined> }> {
  // Reads the tables on the standby as the migration role (a table's read runs no PR code today,
  // but a policy or a future view would).
  const reader = await ctx.databases.connectNode(replica, tenant.database);
  try {
    const pid = (await reader.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
    const outcome = await startReader(reader, tenant, [...probe.takers.keys()]);
    const end = async () => {
      try {
        await waitAll(ctx, replica, tenant.database, settings.lagTimeoutMs);
      } finally {
        // pg_cancel_backend of our own reader: no user code.
        const admin = await connectNode(replica, 'postgres');
        await admin.query('select pg_cancel_backend($1)', [pid]).finally(() => admin.end());
      }
      return outcome.finished;
    };
    return {
      tables: outcome.tables,
      end: () => end().finally(() => reader.end().catch(() => {})),
    };
  } catch (error) {
    await reader.end().catch(() => {});
    throw error;
  }
}

function conflictFinding(
  probe: Probe,
  tables: string[],
  replica: ReplicaInfo,
  error: Error,
): Finding {
  // The first lock on a table the read held (an unlogged table is not read on a standby).
  const takers = [...probe.takers.entries()];
  const [relation, stmt] = takers.find(([r]) => tables.includes(r)) ?? takers[0];
  return finding(REPLICA.conflict, {
    file: stmt.file,
    line: stmt.line,
    endLine: stmt.endLine,
    message: `replaying this statement's ACCESS EXCLUSIVE lock on ${relation} cancelled a read of ${tables.join(', ')} running on ${replica.name} (${error.message}): in production, replica queries on ${relation} still running max_standby_streaming_delay (30 s by default) after the lock is replayed are cancelled, and shorter ones hold up replay`,
    help: `Expect long-running replica reads of ${relation} (reports, exports) to be cancelled during the deploy: run it when they are not running, or make them retry on SQLSTATE 40001; a larger max_standby_streaming_delay trades cancellations for replication lag.`,
  });
}

/** The probe for the walk, when the PR replayed and a migration locks a pre-existing table. */
export function conflictProbe(ctx: GateContext): ConflictProbe | undefined {
  const replica = ctx.cluster.replicas[0];
  if (!replica || ctx.plan.added.length === 0) return undefined;
  if (ctx.trace.pr.some((t) => t.failedMigration)) return undefined;
  const probe = new ConflictProbe(ctx, replica, ctx.options.settings.replica);
  return probe.until > 0 ? probe : undefined;
}
