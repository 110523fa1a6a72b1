import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { placed, runLocks } from './gate-locks-support.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('statements Postgres refuses in a transaction', () => {
  it('blocks an enum value used in the transaction that added it', async () => {
    const { findings } = await runLocks(cluster, 'enum-value-in-transaction');
    // The value is also appended without BEFORE/AFTER (enum-value-appended, a notice).
    expect(placed(findings)).toEqual([
      'enum-value-in-transaction blocker enum-value-in-transaction/000002_ship_orders.up.sql:3-3',
      'enum-value-appended notice enum-value-in-transaction/000002_ship_orders.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      'unsafe use of new value "shipped" of enum type order_status: the enum value is added (ALTER TYPE ... ADD VALUE at line 1) and used in the same transaction, which Postgres refuses until the ALTER TYPE commits.',
    );
  });

  it('blocks VACUUM in a transaction with a clear message', async () => {
    const { findings } = await runLocks(cluster, 'refused-in-transaction');
    expect(placed(findings)).toEqual([
      'refused-in-transaction blocker refused-in-transaction/000002_vacuum_orders.up.sql:3-3',
      'unbatched-backfill warning refused-in-transaction/000002_vacuum_orders.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      'VACUUM (ANALYZE) orders: VACUUM cannot run inside a transaction block; the migration tool sends the whole file as one query string, which Postgres runs as one transaction.',
    );
  });
});

describe('new tables', () => {
  it('warns about json columns, 32-bit primary keys and serial columns', async () => {
    const { findings } = await runLocks(cluster, 'new-table-json-and-int-key');
    expect(placed(findings)).toEqual([
      'int-primary-key warning new-table-json-and-int-key/000002_create_events.up.sql:1-4',
      'json-column warning new-table-json-and-int-key/000002_create_events.up.sql:1-4',
      'serial-column warning new-table-json-and-int-key/000002_create_events.up.sql:1-4',
    ]);
  });
});
