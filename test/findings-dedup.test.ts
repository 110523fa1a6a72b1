import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import { oneFindingPerTenantSet, tenantsPhrase } from '../src/gates/tenant-findings.js';
import { renderText } from '../src/report/text.js';
import { toAnnotations } from '../src/report/annotations.js';
import { runFixture, type FixtureOverrides } from './helpers/run.js';

/** One finding per statement and rule, with the tenants it holds on inside, never one per tenant. */

const FILE = 'db/migrations/000007_orders_status.up.sql';

function failedOn(tenant: string, line = 3): Finding {
  return {
    gate: 'replay',
    rule: 'migration-failed',
    severity: 'blocker',
    file: FILE,
    line,
    endLine: line,
    tenant,
    message: `${FILE}:${line}: relation "${tenant}.orders_status_idx" already exists (SQLSTATE 42P07) on ${tenant}`,
    help: 'Fix the statement.',
  };
}

describe('oneFindingPerTenantSet', () => {
  it('merges what differs only by the tenant into one finding that lists the tenants', () => {
    const merged = oneFindingPerTenantSet(
      [failedOn('tenant_2'), failedOn('tenant_1', 9), failedOn('tenant_3')],
      3,
    );
    expect(merged).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: FILE,
        line: 3,
        endLine: 3,
        tenants: ['tenant_2', 'tenant_3'],
        tenantCount: 2,
        message: `${FILE}:3: relation "$tenant.orders_status_idx" already exists (SQLSTATE 42P07) on tenant_2 and tenant_3 (2 of 3 tenants)`,
        help: 'Fix the statement.',
      },
      failedOn('tenant_1', 9),
    ]);
  });

  it('says "N of M tenants" for every tenant, and counts the ones it does not name', () => {
    const names = Array.from({ length: 12 }, (_, i) => `tenant_${i + 1}`);
    expect(tenantsPhrase(names.slice(0, 3), 3)).toBe(
      'tenant_1, tenant_2 and tenant_3 (3 of 3 tenants)',
    );
    expect(tenantsPhrase(names, 20)).toBe(
      'tenant_1, tenant_2, tenant_3, tenant_4, tenant_5 and 7 more (12 of 20 tenants)',
    );
  });

  it('keeps wording that names the tenant otherwise for the first tenant, and says so', () => {
    const drift = (tenant: string): Finding => ({
      gate: 'isolation',
      rule: 'tenant-drift',
      severity: 'blocker',
      file: FILE,
      line: 4,
      tenant,
      message: `after the PR, tenant ${tenant}'s catalog differs from tenant_1's: index orders_status_idx is missing`,
    });
    const [merged] = oneFindingPerTenantSet([drift('tenant_2'), drift('tenant_3')], 3);
    expect(merged.message).toBe(
      "after the PR, tenant tenant_2's catalog differs from tenant_1's: index orders_status_idx is missing (on 2 of 3 tenants: tenant_2 and tenant_3; shown for tenant_2)",
    );
    expect(merged.tenants).toEqual(['tenant_2', 'tenant_3']);
    expect(merged.tenant).toBeUndefined();
  });

  it('leaves findings without a tenant, on one tenant, or saying different things alone', () => {
    const other = { ...failedOn('tenant_3'), message: 'something else on tenant_3' };
    const noTenant: Finding = { ...failedOn('tenant_1'), tenant: undefined };
    delete noTenant.tenant;
    const input = [failedOn('tenant_2'), other, noTenant, noTenant];
    expect(oneFindingPerTenantSet(input, 3)).toEqual(input);
  });

  it('reports the same finding twice on one tenant once', () => {
    expect(oneFindingPerTenantSet([failedOn('tenant_2'), failedOn('tenant_2')], 3)).toEqual([
      failedOn('tenant_2'),
    ]);
  });
});

describe('per tenant gates on real Postgres', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  function onCluster(): FixtureOverrides {
    const { host, port, user } = cluster.primary;
    return { provider: 'url', databaseUrl: `postgres://${user}@${host}:${port}/postgres` };
  }

  it('reports a statement that fails on 2 of 4 tenants once, with both tenants', async () => {
    const dir = 'fixtures/engine/fails-on-two-tenants';
    const report = await runFixture(dir, {
      ...onCluster(),
      baseCount: 1,
      tenantCount: 4,
      gates: ['replay'],
    });
    const file = `${dir}/000002_drop_legacy_accounts.up.sql`;
    expect(report.findings).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file,
        line: 2,
        endLine: 9,
        tenants: ['tenant_2', 'tenant_3'],
        tenantCount: 2,
        message: `${file}:2: legacy table present in tenant_2 and tenant_3 (2 of 4 tenants) (SQLSTATE P0001) on tenant_2 and tenant_3 (2 of 4 tenants). Hint: drop legacy_accounts first`,
        help: 'Fix the statement so that it applies on a database that has every merged migration; run `schemagate check` locally to reproduce.',
        docs: 'docs/rules/migration-failed.md',
      },
    ]);
    expect(report.summary.blockers).toBe(1);
    // The terminal and the annotations name the tenants once, in the entry of the statement.
    expect(renderText(report)).toContain(
      '     2  BLOCKER  replay/migration-failed [tenant_2, tenant_3]',
    );
    expect(toAnnotations(report).map((a) => a.title)).toEqual([
      'schemagate replay/migration-failed (tenant_2, tenant_3)',
    ]);
  });

  it('gives 9 DROP INDEX statements on 3 tenants one non-concurrent-index warning each', async () => {
    const dir = 'fixtures/locks/drop-nine-indexes';
    const report = await runFixture(dir, {
      ...onCluster(),
      baseCount: 1,
      tenantCount: 3,
      gates: ['replay', 'graph', 'locks'],
      settings: { locks: { workload: { enabled: false } } },
    });
    const file = `${dir}/000002_drop_unused_event_indexes.up.sql`;
    const indexes = ['account_id', 'user_id', 'kind', 'source', 'status', 'priority']
      .concat(['created_at', 'processed_at', 'account_kind'])
      .map((c) => `events_${c}_idx`);
    expect(
      report.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.tenant, f.tenants]),
    ).toEqual([
      ['missing-lock-timeout', 'warning', file, 1, undefined, undefined],
      ...indexes.map((_, i) => [
        'non-concurrent-index',
        'warning',
        file,
        i + 1,
        undefined,
        undefined,
      ]),
    ]);
    expect(report.findings.slice(1).map((f) => f.message)).toEqual(
      indexes.map(
        (ix) =>
          `DROP INDEX ${ix} without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table events: every read and write of events waits.`,
      ),
    );
    expect(report.summary).toMatchObject({ blockers: 0, warnings: 10, notices: 0 });
  });
});
