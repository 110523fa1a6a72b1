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

  it('warns about a FOREIGN KEY added without NOT VALID, with the writes it blocked', async () => {
    const { findings } = await runLocks(cluster, 'foreign-key-without-not-valid');
    expect(placed(findings)).toEqual([
      'constraint-without-not-valid warning foreign-key-without-not-valid/000002_orders_reviewer.up.sql:1-2',
      'missing-lock-timeout warning foreign-key-without-not-valid/000002_orders_reviewer.up.sql:1-2',
    ]);
    const { text, tables } = splitWait(findings[0].message);
    expect(text).toBe(
      'ADD CONSTRAINT orders_reviewer_fk FOREIGN KEY on pre-existing table orders without NOT VALID checks every existing row while holding SHARE ROW EXCLUSIVE (writes wait).',
    );
    expect(splitWait(findings[1].message).text).toBe(
      'ALTER TABLE orders requests SHARE ROW EXCLUSIVE on pre-existing tables orders, users with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to orders, users, every new INSERT, UPDATE and DELETE on orders, users queues behind it.',
    );
    expect(tables).toBe('orders, users');
    expect(findings[0].help).toBe(
      'Add the constraint with NOT VALID, then run `ALTER TABLE orders VALIDATE CONSTRAINT orders_reviewer_fk` in a later migration; VALIDATE only takes SHARE UPDATE EXCLUSIVE.',
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
