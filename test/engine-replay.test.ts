import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';
import { defaultSettings } from '../src/config/settings.js';

const replayFindings = (r: Awaited<ReturnType<typeof runFixture>>) =>
  r.findings.filter((f) => f.gate === 'replay');

function postgresUsing(dir: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', dir]).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('replay', () => {
  it('reports a statement that fails on seeded rows once, at its file and line, for every tenant', async () => {
    const dir = 'fixtures/engine/fails-on-seeded-rows';
    const report = await runFixture(dir, { baseCount: 2, tenantCount: 3, gates: ['replay'] });
    expect(brief(replayFindings(report))).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: `${dir}/000003_require_user_plan.up.sql`,
        line: 2,
      },
    ]);
    const [f] = replayFindings(report);
    expect(f.message).toBe(
      `${dir}/000003_require_user_plan.up.sql:2: column "plan" of relation "users" contains null values (SQLSTATE 23502) on every tenant (tenant_1, tenant_2, tenant_3)`,
    );
    expect(f.endLine).toBe(3);
    expect(f.help).toBe(
      'The statement fails on the rows the tables already hold: schemagate fills every table that exists before the PR with synthetic rows, as production tables hold real ones. Make the migration work on existing data: fix or backfill the rows first, or add the constraint NOT VALID and VALIDATE it once the data is clean.',
    );
    expect(report.status).toBe('blocked');
    expect(report.summary.migrationsApplied).toBe(0);
  });

  it('names the PR migrations that a failure before them left unchecked', async () => {
    const dir = 'fixtures/engine/fails-before-later-migrations';
    const report = await runFixture(dir, { baseCount: 2, gates: ['replay', 'locks'] });
    expect(brief(report.findings).map((f) => [f.rule, f.file, f.line])).toEqual([
      ['add-not-null-column-without-default', `${dir}/000003_require_user_plan.up.sql`, 2],
      ['migration-failed', `${dir}/000003_require_user_plan.up.sql`, 2],
      // Read from its SQL: 000004 itself never ran.
      ['non-concurrent-index', `${dir}/000004_index_users_email.up.sql`, 1],
    ]);
    expect(report.notes).toContain(
      `replay PR: ${dir}/000003_require_user_plan.up.sql failed, so the 1 migration(s) after it were not replayed, and only the checks that read their SQL saw them: ${dir}/000004_index_users_email.up.sql; fix the failure to check them on Postgres`,
    );
  });

  it('judges a statement on the rows every tenant would have, not on a tenant left without them', async () => {
    // Only the first tenant holds the seed's rows; setval(…, 0) fails on an empty table. The
    // other tenants get the rows and replay again, so that nothing is reported.
    const dir = 'fixtures/engine/sequence-after-rows';
    const report = await runFixture(dir, { baseCount: 2, tenantCount: 3, gates: ['replay'] });
    expect(replayFindings(report)).toEqual([]);
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.steps.find((s) => s.action === 'replay PR')?.details).toBe(
      '1 migration(s) on 3 tenant(s)',
    );
    expect(report.steps.find((s) => s.action === 'replay merged')?.details).toBe(
      '2 migration(s) on 3 tenant(s) of sg_pr, seeded 200 rows per table of tenant_1 (the other tenants hold the rows their migrations insert)',
    );
  });

  it('names the one tenant a statement fails on, with the hint, and still replays the others', async () => {
    const dir = 'fixtures/engine/fails-on-one-tenant';
    const report = await runFixture(dir, { baseCount: 2, tenantCount: 3, gates: ['replay'] });
    expect(brief(replayFindings(report))).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: `${dir}/000003_archive_legacy.up.sql`,
        line: 4,
        tenant: 'tenant_2',
      },
    ]);
    expect(replayFindings(report)[0].message).toBe(
      `${dir}/000003_archive_legacy.up.sql:4: legacy table present in tenant_2 (SQLSTATE P0001) on tenant_2. Hint: drop legacy_users first`,
    );
    const tenantsWithStatements = (report.trace ?? []).map((t) => t.tenant);
    expect(new Set(tenantsWithStatements)).toEqual(new Set(['tenant_1']));
    expect(report.steps.find((s) => s.action === 'replay PR')?.details).toBe(
      '1 migration(s) on 3 tenant(s); failed on 1',
    );
  });

  it('leaves no Postgres process and no temp directory behind after a failing run', async () => {
    // A private TMPDIR: the run's data directories can only appear there.
    const tmp = mkdtempSync(join(tmpdir(), 'sg-cleanup-'));
    chmodSync(tmp, 0o755);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const report = await runFixture('fixtures/engine/fails-on-seeded-rows', {
        baseCount: 2,
        gates: ['replay'],
      });
      expect(report.status).toBe('blocked');
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    // The initdb cache is kept on purpose (it makes the next start faster); nothing else may stay.
    expect(readdirSync(tmp).filter((d) => !d.startsWith('schemagate-initdb-'))).toEqual([]);
    expect(postgresUsing(tmp)).toEqual([]);
    rmSync(tmp, { recursive: true });
  });
});

describe('topologies', () => {
  it('schema: every tenant schema gets the tables, traced per statement', async () => {
    const report = await runFixture('fixtures/demo/base/db/migrations', {
      baseCount: 2,
      tenantCount: 3,
      gates: ['replay'],
    });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({
      migrationsApplied: 2,
      tenantsValidated: 3,
      blockers: 0,
    });
    expect(report.topology).toMatchObject({
      kind: 'schema',
      tenants: ['tenant_1', 'tenant_2', 'tenant_3'],
      provider: 'embedded',
    });
    const trace = report.trace ?? [];
    expect(trace.map((t) => [t.file.split('/').pop(), t.line, t.kind])).toEqual([
      ['000003_create_invoices.up.sql', 1, 'CreateStmt'],
      ['000003_create_invoices.up.sql', 10, 'IndexStmt'],
      ['000004_add_users_last_login.up.sql', 1, 'AlterTableStmt'],
    ]);
    // Adding a nullable column takes ACCESS EXCLUSIVE on the pre-existing table and rewrites nothing.
    expect(trace[2].locks).toContainEqual({
      relation: 'users',
      mode: 'AccessExclusiveLock',
      preexisting: true,
    });
    expect(trace[2].rewritten).toEqual([]);
  });

  it('database: one database per tenant, cloned from the merged template', async () => {
    const report = await runFixture('fixtures/demo/base/db/migrations', {
      baseCount: 3,
      tenantCount: 2,
      topology: 'database',
      gates: ['replay'],
    });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
    expect(report.steps.map((s) => s.action)).toEqual([
      'discover',
      'plan',
      'provision',
      'replay merged',
      'replay PR',
      'gate replay',
    ]);
  });

  it('shared: one schema, migrations run once', async () => {
    const report = await runFixture('fixtures/engine/shared-rls', {
      baseCount: 1,
      topology: 'shared',
      gates: ['replay'],
    });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 1 });
    expect(report.trace?.map((t) => t.kind)).toEqual([
      'CreateStmt',
      'IndexStmt',
      'AlterTableStmt',
      'AlterTableStmt',
      'CreatePolicyStmt',
    ]);
  });
});

describe('statements that commit inside', () => {
  it('runs a batched backfill that commits in a DO block at top level, as goose NO TRANSACTION does', async () => {
    const dir = 'fixtures/engine/batched-backfill';
    const report = await runFixture(dir, { baseCount: 1, tenantCount: 2, gates: ['replay'] });
    expect(report.findings).toEqual([]);
    expect(report.summary.migrationsApplied).toBe(1);
  });
});

describe('statements that run too long', () => {
  it('cancels a statement after the timeout even when the migration lifted statement_timeout', async () => {
    const dir = 'fixtures/engine/lifted-timeout';
    const started = Date.now();
    const report = await runFixture(dir, {
      baseCount: 1,
      tenantCount: 2,
      gates: ['replay'],
      settings: { ...defaultSettings(), seedRows: 10, replay: { statementTimeoutMs: 500 } },
    });
    expect(brief(report.findings)).toEqual([
      {
        gate: 'replay',
        rule: 'statement-timeout',
        severity: 'blocker',
        file: `${dir}/000002_slow_backfill.up.sql`,
        line: 3,
        tenant: 'tenant_1',
      },
    ]);
    expect(report.findings[0].message).toContain(
      'canceling statement due to statement timeout: the migration lifted statement_timeout, and the check cancelled the statement after 500 ms',
    );
    // One tenant is enough to know the migration hangs: the others are not made to wait too.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});

describe('objects shared by all tenants', () => {
  it('creates extensions and public tables once, so every tenant schema can use them', async () => {
    const dir = 'fixtures/engine/extensions-and-shared-tables';
    const report = await runFixture(dir, { baseCount: 3, tenantCount: 3, gates: ['replay'] });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 3 });
    expect(report.steps.find((s) => s.action === 'replay merged')?.status).toBe('ok');
  });

  it('says how many rows each table got, and that there is nothing to seed without merged migrations', async () => {
    const dir = 'fixtures/engine/extensions-and-shared-tables';
    const seeded = await runFixture(dir, { baseCount: 3, tenantCount: 1, gates: ['replay'] });
    expect(seeded.steps.find((s) => s.action === 'replay merged')?.details).toBe(
      '3 migration(s) on 1 tenant(s) of sg_base, seeded 200 rows per table',
    );
    const fresh = await runFixture(dir, { baseCount: 0, tenantCount: 1, gates: ['replay'] });
    expect(fresh.steps.find((s) => s.action === 'replay merged')?.details).toBe(
      '0 migration(s) on 1 tenant(s) of sg_base, nothing to seed',
    );
  });
});
