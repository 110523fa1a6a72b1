import type pg from 'pg';
import type { TenantHandle } from '../core/tenants.js';
import { inPool } from '../core/pool.js';
import type { CatalogSnapshot } from './types.js';
import { fingerprint } from './fingerprint.js';
import { tenantSchemas } from './schemas.js';
import { SNAPSHOTS_PER_READ, snapshotCatalogs, type SnapshotOptions } from './snapshot.js';

/** What a tenant's snapshot reads: its schemas (tenantSchemas), its own named `$tenant`. */
export async function tenantRequest(
  client: pg.Client,
  tenant: TenantHandle,
): Promise<SnapshotOptions> {
  return { schemas: await tenantSchemas(client, tenant), tenantSchema: tenant.schema };
}

export interface TenantSnapshotOptions {
  /** A session in the tenant's database, on the node to read; ended once read. */
  connect: (tenant: TenantHandle) => Promise<pg.Client>;
  /** Reads that run at the same time. */
  parallel: number;
  /** Called for each tenant as the read of its snapshot starts, with the tenant's index. */
  onTenant?: (index: number) => void;
}

/**
 * Every tenant's catalog snapshot, in the tenants' order: one read (snapshotCatalogs) per
 * database and SNAPSHOTS_PER_READ tenants, instead of one per tenant.
 */
export async function snapshotTenants(
  tenants: readonly TenantHandle[],
  options: TenantSnapshotOptions,
): Promise<CatalogSnapshot[]> {
  const groups = readGroups(tenants);
  // Tenants alike share one snapshot object: a thousand tenants hold one catalog, not a thousand.
  const alike = new Map<string, CatalogSnapshot>();
  const shared = (s: CatalogSnapshot) => {
    const print = fingerprint(s);
    if (!alike.has(print)) alike.set(print, s);
    return alike.get(print)!;
  };
  const index = new Map(tenants.map((t, i) => [t, i]));
  const read = await inPool(groups, options.parallel, async (group) => {
    for (const t of group) options.onTenant?.(index.get(t)!);
    const client = await options.connect(group[0]);
    try {
      const requests = await Promise.all(group.map((t) => tenantRequest(client, t)));
      return (await snapshotCatalogs(client, requests)).map(shared);
    } finally {
      await client.end();
    }
  });
  const byTenant = new Map(groups.flatMap((group, i) => group.map((t, j) => [t, read[i][j]])));
  return tenants.map((t) => byTenant.get(t)!);
}

/** The tenants by database, in runs of at most SNAPSHOTS_PER_READ. */
function readGroups(tenants: readonly TenantHandle[]): TenantHandle[][] {
  const byDatabase = new Map<string, TenantHandle[]>();
  for (const t of tenants) {
    const list = byDatabase.get(t.database) ?? [];
    list.push(t);
    byDatabase.set(t.database, list);
  }
  return [...byDatabase.values()].flatMap((list) =>
    Array.from({ length: Math.ceil(list.length / SNAPSHOTS_PER_READ) }, (_, i) =>
      list.slice(i * SNAPSHOTS_PER_READ, (i + 1) * SNAPSHOTS_PER_READ),
    ),
  );
}
