import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { placed, runLocks, splitWait } from './gate-locks-support.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('non-concurrent DDL', () => {
  it('warns about CREATE INDEX without CONCURRENTLY, and blocks when configured', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-index');
    // The SHARE lock also queues writes while it waits: without lock_timeout that is reported too.
    expect(placed(findings)).toEqual([
      'missing-lock-timeout warning non-concurrent-index/000002_index_orders_total.up.sql:1-1',
      'non-concurrent-index warning non-concurrent-index/000002_index_orders_total.up.sql:1-1',
    ]);
    expect(splitWait(findings[1].message).text).toBe(
      'CREATE INDEX orders_total_idx on pre-existing table orders without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on orders waits.',
    );
    expect(findings[1].help).toBe(
      'Use the CONCURRENTLY form and put it alone in its own migration file (golang-migrate runs a single-statement file without a transaction block).',
    );
    expect(splitWait(findings[0].message).text).toBe(
      'CREATE INDEX orders_total_idx requests SHARE on pre-existing table orders with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to orders, every new INSERT, UPDATE and DELETE on orders queues behind it.',
    );
    expect(findings[0].help).toBe(
      "Start the migration with `SET lock_timeout = '5s'` (or `SET LOCAL` inside its transaction) and retry the migration when it times out. The CONCURRENTLY form takes a lock that does not block writes.",
    );
    const strict = await runLocks(cluster, 'non-concurrent-index', {
      settings: { locks: { nonConcurrentIndex: 'blocker' } } as never,
    });
    expect(placed(strict.findings)).toEqual([
      'non-concurrent-index blocker non-concurrent-index/000002_index_orders_total.up.sql:1-1',
      'missing-lock-timeout warning non-concurrent-index/000002_index_orders_total.up.sql:1-1',
    ]);
  });

  it('names a unique index as CREATE UNIQUE INDEX', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-unique-index');
    expect(placed(findings)).toEqual([
      'non-concurrent-index warning non-concurrent-unique-index/000002_unique_email.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'CREATE UNIQUE INDEX users_email_idx on pre-existing table users without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on users waits.',
    );
  });

  it('warns about DROP INDEX without CONCURRENTLY', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-drop-index');
    expect(placed(findings)).toEqual([
      'non-concurrent-index warning non-concurrent-drop-index/000002_drop_orders_user_id_idx.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'DROP INDEX orders_user_id_idx without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table orders: every read and write of orders waits.',
    );
    expect(findings[0].help).toBe(
      'Use the CONCURRENTLY form and put it alone in its own migration file (golang-migrate runs a single-statement file without a transaction block).',
    );
  });

  it('warns about REINDEX without CONCURRENTLY (its index rebuild is not a table rewrite)', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-reindex');
    expect(placed(findings)).toEqual([
      'missing-lock-timeout warning non-concurrent-reindex/000002_reindex_orders.up.sql:1-1',
      'non-concurrent-index warning non-concurrent-reindex/000002_reindex_orders.up.sql:1-1',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'REINDEX TABLE orders requests SHARE on pre-existing table orders with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to orders, every new INSERT, UPDATE and DELETE on orders queues behind it.',
    );
    expect(splitWait(findings[1].message).text).toBe(
      'REINDEX TABLE orders without CONCURRENTLY blocks writes to orders and reads that use the index while it rebuilds.',
    );
  });

  it('warns about DETACH PARTITION without CONCURRENTLY', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-detach');
    expect(placed(findings)).toEqual([
      'non-concurrent-detach warning non-concurrent-detach/000002_detach_2024.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'DETACH PARTITION measurements_2024 without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table measurements: every query on it waits.',
    );
  });

  it('blocks CONCURRENTLY in a file golang-migrate sends as one transaction', async () => {
    const { findings } = await runLocks(cluster, 'concurrently-in-transaction');
    expect(placed(findings)).toEqual([
      'concurrently-in-transaction blocker concurrently-in-transaction/000002_index_orders.up.sql:1-1',
      'concurrently-in-transaction blocker concurrently-in-transaction/000002_index_orders.up.sql:2-2',
    ]);
    expect(findings[0].message).toBe(
      'CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and the migration tool sends the whole file as one query string, which Postgres runs as one transaction: Postgres refuses it (SQLSTATE 25001).',
    );
  });

  it('blocks CONCURRENTLY next to other statements in a dbmate transaction:false section', async () => {
    const { report, findings } = await runLocks(cluster, 'dbmate-concurrently-section');
    const file = 'dbmate-concurrently-section/20240320120000_index_orders.sql';
    expect(placed(findings)).toEqual([
      `concurrently-in-transaction blocker ${file}:3-3`,
      `concurrently-in-transaction blocker ${file}:4-4`,
    ]);
    expect(findings[0].help).toBe(
      'Move it out of the transaction: put it alone in a migration whose section says `-- migrate:up transaction:false` (dbmate sends a section as one string, which Postgres runs as one transaction when it holds several statements).',
    );
    expect(report.findings.filter((f) => f.gate === 'replay').map((f) => [f.rule, f.line])).toEqual(
      [['migration-failed', 3]],
    );
  });

  it('warns that a new partition scans the pre-existing default partition under ACCESS EXCLUSIVE', async () => {
    const { report, findings } = await runLocks(cluster, 'partition-default-scan');
    expect(report.findings.filter((f) => f.gate === 'replay')).toEqual([]);
    expect(placed(findings)).toEqual([
      'partition-default-scan warning partition-default-scan/000002_usage_events_2024_07.up.sql:2-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'CREATE TABLE usage_events_2024_07 PARTITION OF usage_events scans usage_events_default, the default partition, under ACCESS EXCLUSIVE to prove that none of its rows belong to the new bounds: every read and write of usage_events_default waits for the scan, which grows with the rows the default partition holds.',
    );
  });
});
