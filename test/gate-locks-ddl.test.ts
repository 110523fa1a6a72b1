import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/providers/embedded.js';
import { silentLogger } from '../src/engine/logger.js';
import type { Cluster } from '../src/providers/provider.js';
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
    expect(placed(findings)).toEqual([
      'non-concurrent-index warning non-concurrent-index/000002_index_orders_total.up.sql:1-1',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'CREATE INDEX orders_total_idx on pre-existing table orders without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on orders waits.',
    );
    expect(findings[0].help).toBe(
      'Use the CONCURRENTLY form and put it alone in its own migration file (golang-migrate runs a single-statement file without a transaction block).',
    );
    const strict = await runLocks(cluster, 'non-concurrent-index', {
      settings: { locks: { nonConcurrentIndex: 'blocker' } } as never,
    });
    expect(placed(strict.findings)).toEqual([
      'non-concurrent-index blocker non-concurrent-index/000002_index_orders_total.up.sql:1-1',
    ]);
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
});

describe('constraints and columns', () => {
  it('warns about a CHECK added without NOT VALID', async () => {
    const { findings } = await runLocks(cluster, 'constraint-without-not-valid');
    expect(placed(findings)).toEqual([
      'constraint-without-not-valid warning constraint-without-not-valid/000002_check_total.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ADD CONSTRAINT orders_total_positive CHECK on pre-existing table orders without NOT VALID checks every existing row while holding ACCESS EXCLUSIVE (reads and writes wait).',
    );
  });

  it('warns about SET NOT NULL without a validated check', async () => {
    const { findings } = await runLocks(cluster, 'set-not-null-scan');
    expect(placed(findings)).toEqual([
      'set-not-null-scan warning set-not-null-scan/000002_require_name.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'SET NOT NULL on users.name scans the whole pre-existing table under ACCESS EXCLUSIVE to prove there is no NULL.',
    );
  });

  it('warns about a UNIQUE constraint that builds its index in place', async () => {
    const { findings } = await runLocks(cluster, 'constraint-index-in-place');
    expect(placed(findings)).toEqual([
      'constraint-index-in-place warning constraint-index-in-place/000002_unique_email.up.sql:3-3',
    ]);
  });

  it('blocks a NOT NULL column without default on a pre-existing table', async () => {
    const { findings } = await runLocks(cluster, 'add-not-null-column-without-default');
    expect(placed(findings)).toEqual([
      'add-not-null-column-without-default blocker add-not-null-column-without-default/000002_add_plan.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'ADD COLUMN plan NOT NULL without a default on pre-existing table users fails as soon as the table has a row.',
    );
  });

  it('warns about dropping and renaming what existed before the PR', async () => {
    const dropped = await runLocks(cluster, 'drop-existing-column');
    expect(placed(dropped.findings)).toEqual([
      'drop-existing-object warning drop-existing-column/000002_drop_note.up.sql:3-3',
    ]);
    expect(dropped.findings[0].message).toBe(
      'DROP COLUMN orders.note removes a column that existed before this PR, with its data.',
    );
    const renamed = await runLocks(cluster, 'rename-existing-column');
    expect(placed(renamed.findings)).toEqual([
      'rename-existing-object warning rename-existing-column/000002_rename_name.up.sql:3-3',
    ]);
    expect(renamed.findings[0].message).toBe(
      'RENAME COLUMN users.name to full_name breaks every query of the running application that uses users.name.',
    );
  });
});
