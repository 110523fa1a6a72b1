import { diffCatalogs } from '../../catalog/diff.js';
import { fingerprint } from '../../catalog/fingerprint.js';
import { renderChanges } from '../../catalog/render.js';
import { snapshotCatalog } from '../../catalog/snapshot.js';
import { snapshotTenants, tenantRequest } from '../../catalog/tenant-snapshots.js';
import type { CatalogSnapshot } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import type { ReplicaInfo } from '../../provision/provider.js';
import type { GateContext, TenantHandle } from '../gate.js';
import type { ReplicaSettings } from '../../core/settings.js';
import { connectNode, primaryFlushedLsn, waitForReplay } from './lsn.js';
import { REPLICA, finding } from '../../rules/index.js';
import { inPool } from '../../core/pool.js';
import { catalogChecksum } from './catalog-checksum.js';

export interface ReplicaState {
  name: string;
  lagMs: number;
  caughtUp: boolean;
  fingerprints: Record<string, string>;
}

/**
 * Waits for one replica to replay the PR, then compares every tenant's catalog with the primary:
 * per database by checksum, and tenant by tenant where the checksums differ.
 */
export async function checkReplica(
  ctx: GateContext,
  replica: ReplicaInfo,
  settings: ReplicaSettings,
  /** The primary's catalogChecksum of a database, read once for every replica. */
  primaryChecksum: (database: string) => Promise<string>,
): Promise<{ state: ReplicaState; findings: Finding[] }> {
  const state: ReplicaState = { name: replica.name, lagMs: 0, caughtUp: false, fingerprints: {} };
  const findings: Finding[] = [];
  const first = ctx.tenants[0];
  // WAL positions only (a synchronous commit of no change, pg_current_wal_insert_lsn,
  // pg_last_wal_replay_lsn): no user code.
  const primary = await ctx.databases.connectAsSuperuser(first.database, { catalogOnly: true });
  const target = await primaryFlushedLsn(primary).finally(() => primary.end());
  const standby = await connectNode(replica, 'postgres');
  const wait = await waitForReplay(standby, target, settings.lagTimeoutMs).finally(() =>
    standby.end(),
  );
  state.lagMs = wait.waitedMs;
  state.caughtUp = wait.reached;
  if (!wait.reached) {
    findings.push(
      finding(REPLICA.lag, {
        message: `${replica.name} did not replay the PR's changes within ${settings.lagTimeoutMs} ms: still ${wait.behindBytes} bytes of WAL behind the primary (${target})`,
        help: 'Large rewrites and index builds produce WAL the replicas must replay before they serve current data; split the change or run it off-peak.',
      }),
    );
    return { state, findings };
  }
  const compared = await compareCatalogs(ctx, replica, primaryChecksum);
  state.fingerprints = compared.fingerprints;
  findings.push(...compared.findings);
  return { state, findings };
}

/**
 * Every tenant's catalog on a replica that has caught up, against the primary's. Databases whose
 * catalogs hold the same rows on both nodes (equal checksums) hold the primary's catalogs as the
 * PR's replay left them; the tenants of the others are read on the replica and compared.
 */
async function compareCatalogs(
  ctx: GateContext,
  replica: ReplicaInfo,
  primaryChecksum: (database: string) => Promise<string>,
): Promise<{ fingerprints: Record<string, string>; findings: Finding[] }> {
  const databases = [...new Set(ctx.tenants.map((t) => t.database))];
  const alike = await inPool(databases, ctx.options.settings.parallel, async (database) => {
    // A checksum that cannot be read sends the database's tenants to the snapshots.
    const onReplica = await ctx.databases
      .connectNode(replica, database)
      .then((c) => catalogChecksum(c).finally(() => c.end()))
      .catch(() => undefined);
    const onPrimary = await primaryChecksum(database).catch(() => undefined);
    return onReplica !== undefined && onReplica === onPrimary;
  });
  const same = new Set(databases.filter((_, i) => alike[i]));
  const prints = new Map<string, string>();
  const toRead: TenantHandle[] = [];
  for (const t of ctx.tenants) {
    const after = ctx.after.get(t.name);
    if (after && same.has(t.database)) prints.set(t.name, fingerprint(after));
    else toRead.push(t);
  }
  // As on the primary: the catalog snapshot calls no user function, but nothing here needs more.
  const onReplica = await snapshotTenants(toRead, {
    connect: (tenant) => ctx.databases.connectNode(replica, tenant.database),
    parallel: ctx.options.settings.parallel,
  });
  toRead.forEach((t, i) => prints.set(t.name, fingerprint(onReplica[i])));
  const findings = await inPool(toRead, ctx.options.settings.parallel, (tenant, i) =>
    compareTenant(ctx, replica.name, tenant, onReplica[i], prints.get(tenant.name)!),
  );
  // In the tenants' order, as the report lists them.
  const fingerprints = Object.fromEntries(
    ctx.tenants.map((t) => [t.name, prints.get(t.name)!.slice(0, 12)]),
  );
  return { fingerprints, findings: findings.flat() };
}

/** A tenant's catalog on the replica (`onReplica`, fingerprint `fp`) against the primary's. */
async function compareTenant(
  ctx: GateContext,
  replicaName: string,
  tenant: TenantHandle,
  onReplica: CatalogSnapshot,
  fp: string,
): Promise<Finding[]> {
  // The primary's catalog as the PR's replay left it: read again only when the replica's differs.
  const after = ctx.after.get(tenant.name);
  if (after && fp === fingerprint(after)) return [];
  const primary = await ctx.databases.connect(tenant);
  const onPrimary = await snapshotCatalog(primary, await tenantRequest(primary, tenant)).finally(
    () => primary.end(),
  );
  if (fp === fingerprint(onPrimary)) return [];
  const changes = renderChanges(diffCatalogs(onPrimary, onReplica));
  return [
    finding(REPLICA.drift, {
      tenant: tenant.name,
      message: `${replicaName}'s catalog for ${tenant.name} differs from the primary's after the PR: ${changes.slice(0, 5).join('; ')}${changes.length > 5 ? `; and ${changes.length - 5} more` : ''}`,
      help: 'Physical replicas must match the primary; a difference means WAL was not replayed (an UNLOGGED or temporary object, or replay stopped). Check the replica log.',
    }),
  ];
}
