import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import { brief, runFixture, type FixtureOverrides } from './helpers/run.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
});

const F = 'fixtures/graph';

/** The graph gate's findings of a fixture whose first `baseCount` migrations are merged. */
async function graph(
  scenario: string,
  baseCount: number,
  tenantCount = 1,
  settings: FixtureOverrides['settings'] = undefined,
): Promise<Finding[]> {
  const { host, port, user } = cluster.primary;
  const report = await runFixture(`${F}/${scenario}`, {
    baseCount,
    tenantCount,
    provider: 'url',
    gates: ['replay', 'graph'],
    databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
    ...(settings ? { settings } : {}),
  });
  return report.findings.filter((f) => f.gate === 'graph');
}

describe('fk-cycle', () => {
  it('blocks a non-deferrable cycle at the statement that closed it, with its full path', async () => {
    const found = await graph('fk-cycle-closed-by-alter', 1, 2);
    const file = `${F}/fk-cycle-closed-by-alter/000002_create_billing_records.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-cycle', severity: 'blocker', file, line: 11 },
    ]);
    expect(found[0].endLine).toBe(13);
    expect(found[0].message).toBe(
      'foreign keys form a cycle tenant_accounts → billing_records → tenant_accounts; not DEFERRABLE: billing_records.billing_records_account_id_fkey, tenant_accounts.tenant_accounts_primary_billing_fkey, so neither side can be written first without a NULL placeholder patched later, and data-only restores (pg_dump --data-only) and bulk deletes fail on it',
    );
    expect(found[0].docs).toBe('docs/rules/fk-cycle.md');
  });

  it('only warns when every foreign key of the cycle is deferrable', async () => {
    const found = await graph('fk-cycle-deferrable', 1);
    const file = `${F}/fk-cycle-deferrable/000002_create_billing_records.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-cycle', severity: 'warning', file, line: 10 },
    ]);
    expect(found[0].message).toContain('every foreign key in it is DEFERRABLE');
  });

  it('only warns when a nullable foreign key with ON DELETE SET NULL closes the cycle', async () => {
    const found = await graph('fk-cycle-nullable-set-null', 1);
    const file = `${F}/fk-cycle-nullable-set-null/000002_default_variant.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-cycle', severity: 'warning', file, line: 1 },
    ]);
    expect(found[0].message).toBe(
      'foreign keys form a cycle flags → variants → flags; flags.flags_default_variant_id_fkey may be NULL and has ON DELETE SET NULL, so rows are written with it NULL first and deletes go through, but data-only restores (pg_dump --data-only) need --disable-triggers',
    );
  });

  it('does not count a self-reference as a cycle', async () => {
    expect(await graph('fk-self-reference', 1)).toEqual([]);
  });

  it('does not blame the PR for a cycle production already has', async () => {
    expect(await graph('fk-cycle-preexisting', 1)).toEqual([]);
  });
});

describe('used-before-created', () => {
  it('blocks at the failing statement and names the later migration that creates the object', async () => {
    const found = await graph('used-before-created', 1, 2);
    const file = `${F}/used-before-created/000002_link_customers_to_invoices.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'used-before-created', severity: 'blocker', file, line: 4 },
    ]);
    expect(found[0].message).toBe(
      `relation invoices is used here before ${F}/used-before-created/000003_create_invoices.up.sql:3 creates it (migration 000003, which runs later); Postgres: relation "invoices" does not exist`,
    );
  });
});

describe('index dependencies', () => {
  it('warns about a new foreign key whose columns do not lead any index', async () => {
    const found = await graph('fk-without-index', 1);
    const file = `${F}/fk-without-index/000002_create_orders.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-without-index', severity: 'warning', file, line: 7 },
    ]);
    expect(found[0].message).toBe(
      'foreign key orders_account_id_fkey on orders (account_id) → accounts has no index whose leading columns are (account_id): every delete or key update on accounts scans orders sequentially',
    );
  });

  it('accepts a foreign key led by a composite index', async () => {
    expect(await graph('fk-with-index', 1)).toEqual([]);
  });

  it('matches quoted camelCase columns (Prisma) and quotes them in the suggested index', async () => {
    const found = await graph('fk-camel-case', 1);
    const file = `${F}/fk-camel-case/000002_create_invoices.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-without-index', severity: 'warning', file, line: 17 },
    ]);
    expect(found[0].message).toBe(
      'foreign key Invoice_subscriptionId_fkey on "Invoice" ("subscriptionId") → "Subscription" has no index whose leading columns are ("subscriptionId"): every delete or key update on "Subscription" scans "Invoice" sequentially',
    );
    expect(found[0].help).toBe(
      'CREATE INDEX CONCURRENTLY "Invoice_subscriptionId_idx" ON "Invoice" ("subscriptionId"); in its own migration (outside a transaction).',
    );
  });

  it('blocks a DROP INDEX that a foreign key depends on', async () => {
    const found = await graph('drop-index-with-dependents', 1);
    const file = `${F}/drop-index-with-dependents/000002_drop_plans_code_key.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'drop-with-dependents', severity: 'blocker', file, line: 2 },
    ]);
    expect(found[0].message).toBe(
      'cannot drop index plans_code_key because other objects depend on it (constraint subscriptions_plan_code_fkey on table subscriptions depends on index plans_code_key)',
    );
  });

  it('blocks a CASCADE drop of the unique key a foreign key references', async () => {
    const found = await graph('drop-constraint-cascade', 1);
    const file = `${F}/drop-constraint-cascade/000002_drop_plan_code_unique.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'drop-with-dependents', severity: 'blocker', file, line: 3 },
    ]);
    expect(found[0].message).toBe(
      'dropping constraint plans_code_key on plans also dropped foreign key subscriptions_plan_code_fkey on subscriptions (CASCADE): subscriptions.plan_code is no longer checked',
    );
  });

  it('blocks ADD CONSTRAINT … USING INDEX on a missing index', async () => {
    const found = await graph('using-index-missing', 1);
    const file = `${F}/using-index-missing/000002_add_devices_serial_key.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'using-index-invalid', severity: 'blocker', file, line: 2 },
    ]);
    expect(found[0].message).toBe(
      'index devices_serial_idx does not exist before this statement: ADD CONSTRAINT … USING INDEX devices_serial_idx fails',
    );
  });

  it('places a foreign key added inside a DO block (drizzle-kit) at that block', async () => {
    const { host, port, user } = cluster.primary;
    const report = await runFixture(`${F}/fk-added-in-do-block`, {
      baseCount: 1,
      topology: 'database',
      provider: 'url',
      gates: ['replay', 'graph'],
      databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
    });
    const file = `${F}/fk-added-in-do-block/000002_create_chats.up.sql`;
    const found = report.findings.filter((f) => f.gate === 'graph');
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'fk-without-index', severity: 'warning', file, line: 8 },
    ]);
    expect(found[0].message).toBe(
      'foreign key Chat_userId_User_id_fk on "Chat" ("userId") → "User" has no index whose leading columns are ("userId"): every delete or key update on "User" scans "Chat" sequentially',
    );
  });

  it('blocks ADD CONSTRAINT … USING INDEX on an invalid index', async () => {
    // The fixture marks the index INVALID by updating pg_index, which only a superuser may.
    const found = await graph('using-index-invalid', 1, 1, { migrationRole: 'superuser' });
    const file = `${F}/using-index-invalid/000002_add_devices_serial_key.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'using-index-invalid', severity: 'blocker', file, line: 2 },
    ]);
    expect(found[0].message).toMatch(/^index devices_serial_idx on devices is INVALID/);
  });
});

describe('pairing and clean history', () => {
  it('reports a down without its up and the up the pair was renumbered from', async () => {
    const { host, port, user } = cluster.primary;
    const report = await runFixture(`${F}/orphan-down`, {
      baseCount: 2,
      provider: 'url',
      databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
    });
    // Discovery reports the orphan down (a blocker); the gate must not report it again.
    const rules = report.findings.filter(
      (f) => f.rule === 'orphan-down' || f.rule === 'unpaired-up',
    );
    expect(brief(rules)).toEqual([
      {
        gate: 'graph',
        rule: 'orphan-down',
        severity: 'blocker',
        file: `${F}/orphan-down/000004_add_author_email.down.sql`,
        line: 1,
      },
      {
        gate: 'graph',
        rule: 'unpaired-up',
        severity: 'warning',
        file: `${F}/orphan-down/000003_add_author_email.up.sql`,
        line: 1,
      },
    ]);
    expect(rules[1].message).toBe(
      `${F}/orphan-down/000003_add_author_email.up.sql has no down, but ${F}/orphan-down/000004_add_author_email.down.sql has the same name under version 000004: the pair was renumbered halfway, so rolling back 000003 runs nothing`,
    );
  });

  it('reports a duplicate version once', async () => {
    const found = await graph('duplicate-version', 1);
    const file = `${F}/duplicate-version/000002_add_author_email.up.sql`;
    expect(brief(found)).toEqual([
      { gate: 'graph', rule: 'duplicate-version', severity: 'blocker', file, line: 1 },
    ]);
  });

  it('finds nothing in a clean history', async () => {
    expect(await graph('clean-history', 1)).toEqual([]);
  });
});
