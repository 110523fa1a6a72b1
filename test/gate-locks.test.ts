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

describe('rewrites', () => {
  it('blocks a column type change that rewrites the table and its indexes', async () => {
    const { findings } = await runLocks(cluster, 'table-rewrite-type-change');
    expect(placed(findings)).toEqual([
      'table-rewrite blocker table-rewrite-type-change/000002_total_as_double.up.sql:3-3',
    ]);
    const { text, waitMs, tables } = splitWait(findings[0].message);
    expect(text).toMatch(
      /^ALTER TABLE orders rewrites pre-existing table orders and rebuilds its indexes orders_pkey because column total changes type, holding ACCESS EXCLUSIVE until it finishes \([\d.]+ ms on the seeded rows; proportional to the table size in production\)\.$/,
    );
    expect(tables).toBe('orders');
    expect(waitMs).toBeGreaterThan(0);
    expect(findings[0].docs).toBe('docs/rules/table-rewrite.md');
  });

  it('names the index rebuilt on the retyped column (the primary key) with the ones rewritten', async () => {
    const { findings } = await runLocks(cluster, 'table-rewrite-key-type-change');
    expect(placed(findings)).toEqual([
      'table-rewrite blocker table-rewrite-key-type-change/0190_robot_bigint_ids.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toMatch(
      /^ALTER TABLE robot rewrites pre-existing table robot and rebuilds its indexes robot_creator_idx, robot_name_project_id_key, robot_pkey because column id changes type/,
    );
  });

  it('blocks a volatile default and explains it', async () => {
    const { findings } = await runLocks(cluster, 'table-rewrite-volatile-default');
    expect(placed(findings)).toEqual([
      'table-rewrite blocker table-rewrite-volatile-default/000002_add_user_token.up.sql:3-4',
    ]);
    expect(splitWait(findings[0].message).text).toContain(
      'ALTER TABLE users rewrites pre-existing table users and rebuilds its indexes users_pkey because column token is added with a default evaluated for every row',
    );
  });

  it('blocks VACUUM FULL from the statement (it runs outside the traced transaction)', async () => {
    const { findings } = await runLocks(cluster, 'vacuum-full');
    expect(placed(findings)).toEqual([
      'table-rewrite blocker vacuum-full/000002_vacuum_full_orders.up.sql:1-1',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'VACUUM FULL rewrites pre-existing table orders under ACCESS EXCLUSIVE: every query on it waits for the whole copy.',
    );
  });
});

describe('backfills', () => {
  it('counts WHERE new_column IS NULL as every row, and not a test of a column that existed', async () => {
    const { findings } = await runLocks(cluster, 'backfill-where-new-column-null');
    const file = 'backfill-where-new-column-null/000002_users_handle.up.sql';
    expect(placed(findings)).toEqual([`unbatched-backfill warning ${file}:7-7`]);
    expect(findings[0].message).toBe(
      "UPDATE users WHERE handle IS NULL, which every existing row matches (the PR adds handle), changes every row of a pre-existing table in one statement (200 seeded rows here): each row stays locked against concurrent writes until the transaction commits, and the table's size in dead rows and WAL is written at once, which replicas must replay.",
    );
  });
});

describe('a table renamed by the PR', () => {
  it('holds the lock of the rename, which the trace names by the new name', async () => {
    const { findings } = await runLocks(cluster, 'rename-then-alter');
    const file = 'rename-then-alter/0002_rename_venues.sql';
    expect(placed(findings)).toEqual([
      `exclusive-lock-held blocker ${file}:2-2`,
      `missing-lock-timeout warning ${file}:2-2`,
      `rename-existing-object warning ${file}:2-2`,
      `non-concurrent-index warning ${file}:4-4`,
    ]);
  });
});

describe('indexes of a partitioned table', () => {
  it('give the recipe Postgres allows: ON ONLY, then each partition CONCURRENTLY, then ATTACH', async () => {
    const { findings } = await runLocks(cluster, 'partitioned-index');
    const file = 'partitioned-index/20240415000000_events_tenant_index.sql';
    // ON ONLY (line 6) builds nothing and is not reported.
    expect(placed(findings).filter((p) => p.startsWith('non-concurrent-index'))).toEqual([
      `non-concurrent-index warning ${file}:4-4`,
      `non-concurrent-index warning ${file}:8-8`,
    ]);
    const [create, drop] = findings.filter((f) => f.rule === 'non-concurrent-index');
    expect(splitWait(create.message).text).toBe(
      "CREATE INDEX events_tenant_id_idx on pre-existing partitioned table events holds a SHARE lock on events and each of its partitions while every partition's index is built: every INSERT, UPDATE and DELETE on them waits.",
    );
    expect(create.help).toBe(
      "A partitioned table's index cannot be built CONCURRENTLY: create it with CREATE INDEX events_tenant_id_idx ON ONLY events (instant, invalid until its partitions' indexes are attached), build each partition's index with CREATE INDEX CONCURRENTLY (add `-- +goose NO TRANSACTION` to that migration and keep it free of other statements), then ALTER INDEX events_tenant_id_idx ATTACH PARTITION <partition index> for each.",
    );
    expect(drop.help).toBe(
      'Postgres cannot drop the index of a partitioned table CONCURRENTLY: run it on its own with SET lock_timeout (so that it gives up instead of queueing every query on events and its partitions behind it), at a quiet time.',
    );
  });
});

describe('held and stacked locks', () => {
  it('blocks when a later statement of the transaction scans a pre-existing table', async () => {
    const { findings } = await runLocks(cluster, 'exclusive-lock-held-during-backfill');
    // The backfill is also one UPDATE of every row (unbatched-backfill).
    expect(placed(findings)).toEqual([
      'exclusive-lock-held blocker exclusive-lock-held-during-backfill/000002_add_nickname.up.sql:3-3',
      'unbatched-backfill warning exclusive-lock-held-during-backfill/000002_add_nickname.up.sql:5-5',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE users takes ACCESS EXCLUSIVE on pre-existing table users and keeps it while 1 more statement of the same transaction runs (to line 5). Meanwhile line 5 reads users, so the lock is held for that whole time.',
    );
  });

  it('warns about several tables locked in one transaction', async () => {
    const { findings } = await runLocks(cluster, 'multiple-exclusive-locks');
    expect(placed(findings)).toEqual([
      'exclusive-lock-held warning multiple-exclusive-locks/000002_add_columns.up.sql:3-3',
      'multiple-exclusive-locks warning multiple-exclusive-locks/000002_add_columns.up.sql:5-5',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE users takes ACCESS EXCLUSIVE on pre-existing table users and keeps it while 1 more statement of the same transaction runs (to line 5). Meanwhile line 5 requests ACCESS EXCLUSIVE on orders, which first waits for every running query on orders, so the lock is held for that whole time.',
    );
    expect(splitWait(findings[1].message).text).toBe(
      'One transaction holds ACCESS EXCLUSIVE on several pre-existing tables: users (line 3), orders (line 5). Queries on all of them wait until it commits, and other sessions locking them in another order deadlock.',
    );
  });

  it('names every table the transaction goes on to lock, keywords such as user among them', async () => {
    const { findings } = await runLocks(cluster, 'multiple-exclusive-locks-keyword-names');
    const file = 'multiple-exclusive-locks-keyword-names/000002_add_notes.up.sql';
    expect(placed(findings)).toEqual([
      `exclusive-lock-held warning ${file}:3-3`,
      `multiple-exclusive-locks warning ${file}:5-5`,
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE user takes ACCESS EXCLUSIVE on pre-existing table user and keeps it while 2 more statements of the same transaction run (to line 7). Meanwhile line 5 requests ACCESS EXCLUSIVE on order, which first waits for every running query on order; line 7 requests ACCESS EXCLUSIVE on invoice, which first waits for every running query on invoice, so the lock is held for that whole time.',
    );
    // Before Postgres' quoting of keywords was followed, the statements on user and order were
    // not seen as locking pre-existing tables.
    expect(splitWait(findings[1].message).text).toBe(
      'One transaction holds ACCESS EXCLUSIVE on several pre-existing tables: user (line 3), order (line 5), invoice (line 7). Queries on all of them wait until it commits, and other sessions locking them in another order deadlock.',
    );
  });

  it('names every kind of long work done under the lock, and not a single-row INSERT', async () => {
    const { findings } = await runLocks(cluster, 'exclusive-lock-held-long-work');
    expect(placed(findings)).toEqual([
      'exclusive-lock-held blocker exclusive-lock-held-long-work/000002_users_score.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE users takes ACCESS EXCLUSIVE on pre-existing table users and keeps it while 3 more statements of the same transaction run (to line 13). Meanwhile line 5 scans users; line 7 writes orders, so the lock is held for that whole time.',
    );
  });

  it('counts only the statements that ran before the migration failed', async () => {
    const { report, findings } = await runLocks(cluster, 'exclusive-lock-held-after-failure');
    const file = 'exclusive-lock-held-after-failure/000002_add_nickname.up.sql';
    expect(report.findings.filter((f) => f.gate === 'replay').map((f) => [f.rule, f.line])).toEqual(
      [['migration-failed', 7]],
    );
    expect(placed(findings)).toEqual([
      `exclusive-lock-held blocker ${file}:3-3`,
      `add-not-null-column-without-default blocker ${file}:7-7`,
      `unbatched-backfill warning ${file}:5-5`,
      `non-concurrent-index warning ${file}:9-9`,
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE users takes ACCESS EXCLUSIVE on pre-existing table users and keeps it while 1 more statement of the same transaction runs (to line 5). Meanwhile line 5 reads users, so the lock is held for that whole time.',
    );
  });

  it('warns when no lock_timeout precedes an ACCESS EXCLUSIVE request, once for all tenants', async () => {
    const { findings } = await runLocks(cluster, 'missing-lock-timeout', { tenantCount: 2 });
    expect(findings[0].tenant).toBeUndefined();
    expect(placed(findings)).toEqual([
      'missing-lock-timeout warning missing-lock-timeout/000002_add_nickname.up.sql:1-1',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ALTER TABLE users requests ACCESS EXCLUSIVE on pre-existing table users with no lock_timeout set earlier in the migration: while it waits behind a long query, every new query on users queues behind it.',
    );
  });

  it('warns about any lock that blocks writes, and about a lock_timeout set to 0', async () => {
    const { findings } = await runLocks(cluster, 'missing-lock-timeout-write-locks');
    const dir = 'missing-lock-timeout-write-locks';
    expect(placed(findings)).toEqual([
      `missing-lock-timeout warning ${dir}/000002_touch_orders.up.sql:9-11`,
      `missing-lock-timeout warning ${dir}/000003_create_invoices.up.sql:1-5`,
      `missing-lock-timeout warning ${dir}/000004_add_nickname.up.sql:3-3`,
      `missing-lock-timeout warning ${dir}/000005_add_coupon.up.sql:4-4`,
    ]);
    expect(findings.map((f) => splitWait(f.message).text)).toEqual([
      'CREATE TRIGGER orders_touch requests SHARE ROW EXCLUSIVE on pre-existing table orders with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to orders, every new INSERT, UPDATE and DELETE on orders queues behind it.',
      'CREATE TABLE invoices requests SHARE ROW EXCLUSIVE on pre-existing table orders with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to orders, every new INSERT, UPDATE and DELETE on orders queues behind it.',
      'ALTER TABLE users requests ACCESS EXCLUSIVE on pre-existing table users after `SET lock_timeout = 0` at line 1, which disables the timeout: while it waits behind a long query, every new query on users queues behind it.',
      'ALTER TABLE orders requests ACCESS EXCLUSIVE on pre-existing table orders after `SET LOCAL lock_timeout = 0` at line 2, which disables the timeout: while it waits behind a long query, every new query on orders queues behind it.',
    ]);
    expect(findings[0].help).toBe(
      "Start the migration with `SET lock_timeout = '5s'` (or `SET LOCAL` inside its transaction) and retry the migration when it times out.",
    );
    expect(findings[2].help).toBe(
      "Set a bounded timeout instead, such as `SET lock_timeout = '5s'`, and retry the migration when it times out.",
    );
  });
});
