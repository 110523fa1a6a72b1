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

const COLUMN_CHECK =
  'Put the CHECK on the columns themselves: `ALTER TABLE <table> ADD CONSTRAINT ... CHECK (...) NOT VALID`, then VALIDATE CONSTRAINT in a later migration (SHARE UPDATE EXCLUSIVE, reads and writes go on).';

describe('domains', () => {
  it('warns that ALTER DOMAIN ... ADD CONSTRAINT locked and scanned every table using the domain', async () => {
    const { findings } = await runLocks(cluster, 'alter-domain-add-constraint');
    expect(placed(findings)).toEqual([
      'alter-domain-add-constraint warning alter-domain-add-constraint/000002_limit_email_length.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'ALTER DOMAIN email_address ADD CONSTRAINT email_length checks every value of every column of type email_address: Postgres locked pre-existing tables contacts (SHARE), users (SHARE) and scanned them, and writes to them wait for the whole scan.',
    );
    expect(findings[0].help).toBe(COLUMN_CHECK);
  });

  it('warns about a domain constraint added NOT VALID when VALIDATE takes the same SHARE locks', async () => {
    const { findings } = await runLocks(cluster, 'alter-domain-not-valid-then-validate');
    expect(placed(findings)).toEqual([
      'alter-domain-add-constraint warning alter-domain-not-valid-then-validate/000003_validate_email_length.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'ALTER DOMAIN email_address VALIDATE CONSTRAINT email_length checks every value of every column of type email_address: Postgres locked pre-existing tables contacts (SHARE), users (SHARE) and scanned them, and writes to them wait for the whole scan.',
    );
  });

  it('warns about CREATE DOMAIN with a CHECK', async () => {
    const { findings } = await runLocks(cluster, 'create-domain-with-check');
    expect(placed(findings)).toEqual([
      'create-domain-with-check warning create-domain-with-check/000002_create_invoices.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'CREATE DOMAIN positive_amount has a CHECK constraint: changing it later (ADD CONSTRAINT, or a column switched to the domain) makes Postgres check every column of type positive_amount in every table under lock, and the check cannot be added NOT VALID to one table at a time.',
    );
    expect(findings[0].help).toBe(
      `Create the domain without the CHECK, or use the base type. ${COLUMN_CHECK}`,
    );
  });
});

describe('enums', () => {
  it('warns about renaming a value of a pre-existing enum', async () => {
    const { findings } = await runLocks(cluster, 'enum-value-renamed');
    expect(placed(findings)).toEqual([
      'enum-value-renamed warning enum-value-renamed/000002_rename_paid.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      `ALTER TYPE order_status RENAME VALUE 'paid' TO 'settled' breaks the running application: from the commit on, every query and insert that still names 'paid' fails with "invalid input value for enum order_status".`,
    );
    expect(findings[0].help).toBe(
      "Add the new value next to the old one (`ALTER TYPE order_status ADD VALUE 'settled' AFTER 'paid'`), deploy code that accepts both and writes the new one, backfill the rows in batches, and stop using the old value.",
    );
  });

  it('notes a value appended without BEFORE or AFTER, naming the value it follows', async () => {
    const { findings } = await runLocks(cluster, 'enum-value-appended');
    expect(placed(findings)).toEqual([
      'enum-value-appended notice enum-value-appended/000002_add_cancelled.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      "ALTER TYPE order_status ADD VALUE 'cancelled' has no BEFORE or AFTER, so it sorts after 'paid', the last value: comparisons (<, >, BETWEEN) and ORDER BY on order_status place it there.",
    );
  });
});

describe('columns', () => {
  it('warns about DROP NOT NULL on a column that was NOT NULL', async () => {
    const { findings } = await runLocks(cluster, 'drop-not-null');
    expect(placed(findings)).toEqual([
      'drop-not-null warning drop-not-null/000002_optional_email.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'DROP NOT NULL on users.email: the running application, and functions, views and reports that read users.email, rely on it never being NULL; the first NULL written breaks them.',
    );
    expect(findings[0].help).toBe(
      'First deploy code that handles NULL in users.email (or keep the column NOT NULL and write a marker value), then drop the constraint in a later release.',
    );
  });

  it('warns about ADD PRIMARY KEY USING INDEX on a nullable column', async () => {
    const { findings } = await runLocks(cluster, 'primary-key-sets-not-null');
    expect(placed(findings)).toEqual([
      'primary-key-sets-not-null warning primary-key-sets-not-null/000002_events_primary_key.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'ADD PRIMARY KEY USING INDEX events_code_key on pre-existing table events makes column code NOT NULL: Postgres scans the whole table to prove there is no NULL while holding ACCESS EXCLUSIVE.',
    );
    expect(findings[0].help).toBe(
      'Make code NOT NULL first without the scan: add `CHECK (code IS NOT NULL) NOT VALID`, VALIDATE it in a later migration, SET NOT NULL (which then skips the scan), and only then ADD PRIMARY KEY USING INDEX.',
    );
  });

  it('warns that ADD COLUMN ... UNIQUE builds its index in place', async () => {
    const { findings } = await runLocks(cluster, 'add-column-unique');
    expect(placed(findings)).toEqual([
      'constraint-index-in-place warning add-column-unique/000002_add_handle.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toBe(
      'ADD COLUMN handle UNIQUE on pre-existing table users builds a unique index over every row in place under ACCESS EXCLUSIVE: every query on users waits for the build.',
    );
    expect(findings[0].help).toBe(
      'Add the column without UNIQUE, build the index with CREATE UNIQUE INDEX CONCURRENTLY in its own migration, then `ALTER TABLE users ADD CONSTRAINT ... UNIQUE USING INDEX <index>`.',
    );
  });

  it('explains the rewrite of a stored generated column', async () => {
    const { findings } = await runLocks(cluster, 'add-stored-generated-column');
    expect(placed(findings)).toEqual([
      'table-rewrite blocker add-stored-generated-column/000002_add_email_domain.up.sql:3-3',
    ]);
    expect(splitWait(findings[0].message).text).toMatch(
      /^ALTER TABLE users rewrites pre-existing table users and rebuilds its indexes users_pkey because stored generated column email_domain is computed for every row, holding ACCESS EXCLUSIVE until it finishes \([\d.]+ ms on the seeded rows; proportional to the table size in production\)\.$/,
    );
  });
});

describe('constraints and backfills', () => {
  it('warns about VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID', async () => {
    const { findings } = await runLocks(cluster, 'validate-in-same-transaction');
    const at = 'validate-in-same-transaction/000002_check_total.up.sql';
    expect(placed(findings)).toEqual([
      `exclusive-lock-held blocker ${at}:3-3`,
      `validate-in-same-transaction warning ${at}:5-5`,
    ]);
    expect(findings[1].message).toBe(
      'VALIDATE CONSTRAINT orders_total_positive runs in the same transaction as the ADD CONSTRAINT ... NOT VALID at line 3: the ACCESS EXCLUSIVE (reads and writes wait) it took on orders is held until the commit, so the validation scans every row under it and NOT VALID saves nothing.',
    );
    expect(findings[1].help).toBe(
      'Commit in between: validate in a later migration, where `ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive` only takes SHARE UPDATE EXCLUSIVE.',
    );
  });

  it('warns about an UPDATE of every row of a pre-existing table', async () => {
    const { findings } = await runLocks(cluster, 'unbatched-backfill');
    expect(placed(findings)).toEqual([
      'unbatched-backfill warning unbatched-backfill/000002_fill_notes.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      "UPDATE orders without WHERE changes every row of a pre-existing table in one statement (200 seeded rows here): each row stays locked against concurrent writes until the transaction commits, and the table's size in dead rows and WAL is written at once, which replicas must replay.",
    );
    expect(findings[0].help).toBe(
      'Backfill in batches outside the migration (or in a migration of its own without a transaction): `UPDATE orders ... WHERE id BETWEEN $1 AND $2`, committing after each batch.',
    );
  });
});

describe('rewrites the trace shows', () => {
  it('blocks CLUSTER, SET UNLOGGED and a serial column added to a table with rows', async () => {
    const { findings } = await runLocks(cluster, 'rewrite-cluster-unlogged-serial');
    const dir = 'rewrite-cluster-unlogged-serial';
    expect(placed(findings)).toEqual([
      `table-rewrite blocker ${dir}/000002_cluster_orders.up.sql:3-3`,
      `table-rewrite blocker ${dir}/000003_unlogged_orders.up.sql:3-3`,
      `table-rewrite blocker ${dir}/000004_users_number.up.sql:3-3`,
      `serial-column warning ${dir}/000004_users_number.up.sql:3-3`,
    ]);
    const why = findings.map((f) => / because ([^,]+),/.exec(splitWait(f.message).text)?.[1]);
    expect(why).toEqual([
      'CLUSTER copies it in index order',
      'of SET UNLOGGED',
      'serial column number takes a sequence value for every row',
      undefined,
    ]);
  });
});

describe('schema objects', () => {
  it('warns about renaming a schema that existed before the PR', async () => {
    const { findings } = await runLocks(cluster, 'rename-schema');
    expect(placed(findings)).toEqual([
      'rename-existing-object warning rename-schema/000002_rename_reporting.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      'ALTER SCHEMA reporting RENAME TO analytics breaks every query, function body and search_path of the running application that names reporting.',
    );
    // With two tenants the shared schema is gone for the second one: the rename is still named.
    const two = await runLocks(cluster, 'rename-schema', { tenantCount: 2 });
    expect(placed(two.findings)).toEqual([
      'rename-existing-object warning rename-schema/000002_rename_reporting.up.sql:1-1',
    ]);
  });

  it('says which tables TRUNCATE ... CASCADE empties besides the one it names', async () => {
    const { findings } = await runLocks(cluster, 'truncate-cascade');
    expect(placed(findings)).toEqual([
      'drop-existing-object warning truncate-cascade/000002_reset_users.up.sql:3-3',
    ]);
    expect(findings[0].message).toBe(
      'TRUNCATE users removes every row of a table that existed before this PR. CASCADE also empties orders, whose foreign keys reference it.',
    );
  });

  it('blocks DROP DATABASE', async () => {
    const { findings } = await runLocks(cluster, 'drop-database');
    expect(placed(findings)).toEqual([
      'drop-database blocker drop-database/000002_drop_legacy_reports.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      'DROP DATABASE legacy_reports removes a whole database with every table and row in it; it cannot be rolled back, and it cannot run inside a transaction block.',
    );
  });

  it('warns about REFRESH MATERIALIZED VIEW without CONCURRENTLY (not as a table rewrite)', async () => {
    const { findings } = await runLocks(cluster, 'non-concurrent-refresh');
    expect(placed(findings)).toEqual([
      'non-concurrent-refresh warning non-concurrent-refresh/000002_refresh_order_totals.up.sql:1-1',
    ]);
    expect(findings[0].message).toBe(
      'REFRESH MATERIALIZED VIEW order_totals without CONCURRENTLY holds ACCESS EXCLUSIVE on it while the query reruns: every read of order_totals waits.',
    );
    expect(findings[0].help).toBe(
      'Use REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals (it needs a unique index on the view, and lets reads go on).',
    );
  });

  it('warns about an identifier Postgres truncates, showing what it keeps', async () => {
    const { findings } = await runLocks(cluster, 'identifier-too-long');
    expect(placed(findings)).toEqual([
      'identifier-too-long warning identifier-too-long/000002_create_notification_settings.up.sql:3-6',
    ]);
    expect(findings[0].message).toBe(
      'Postgres silently truncates identifiers to 63 bytes: "user_notification_delivery_preferences_by_channel_and_category_v2" (65 bytes) becomes "user_notification_delivery_preferences_by_channel_and_category_". The object gets a name that neither the migration nor the application uses, and two long names that share their first 63 bytes collide.',
    );
  });
});
