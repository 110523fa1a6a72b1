import { describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';
import { alembicTool, runsWith } from './helpers/tools.js';

const TWO_HEADS = 'fixtures/formats/alembic/two-heads/migrations';
const withAlembic = runsWith(alembicTool(), 'Alembic replays');

describe.runIf(withAlembic)('Alembic revisions replayed on real Postgres', () => {
  it('replays a linear history with the SQL Alembic generates', async () => {
    const report = await runFixture('fixtures/formats/alembic/linear/migrations', { baseCount: 2 });
    expect(report.status).toBe('passed');
    // The new table's foreign key locks accounts (SHARE ROW EXCLUSIVE) with no lock_timeout.
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: 'fixtures/formats/alembic/linear/migrations/versions/d7e05a6b4c21_create_invoices.py',
        line: 20,
      },
    ]);
    expect(report.migrations.map((m) => [m.id, m.state, m.statements])).toEqual([
      ['3f2a9c1d0b7e', 'merged', 1],
      ['8c41e7b2d913', 'merged', 3],
      ['d7e05a6b4c21', 'new', 3],
    ]);
  });

  it('blocks a pull request that leaves two heads, at the new head’s down_revision', async () => {
    const report = await runFixture(TWO_HEADS, { baseCount: 3 });
    expect(report.status).toBe('blocked');
    expect(brief(report.findings)).toEqual([
      {
        gate: 'graph',
        rule: 'alembic-multiple-heads',
        severity: 'blocker',
        file: `${TWO_HEADS}/versions/b5d8f0a27c44_create_invoices.py`,
        line: 14,
      },
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${TWO_HEADS}/versions/b5d8f0a27c44_create_invoices.py`,
        line: 20,
      },
    ]);
    expect(report.summary.migrationsApplied).toBe(1);
  });
});

describe.runIf(withAlembic)('Alembic autocommit_block', () => {
  const DIR = 'fixtures/formats/alembic/autocommit-block/migrations';
  const FILE = `${DIR}/versions/d9e8f7a6b5c4_uncollectible_invoices.py`;

  it('runs what comes before the block in the revision transaction, where a new enum value cannot be used', async () => {
    const report = await runFixture(DIR, {
      baseCount: 3,
      tenantCount: 1,
      gates: ['replay', 'locks'],
    });
    expect(
      brief(report.findings).filter(
        (f) => f.rule === 'enum-value-in-transaction' || f.gate === 'replay',
      ),
    ).toEqual([
      {
        gate: 'locks',
        rule: 'enum-value-in-transaction',
        severity: 'blocker',
        file: FILE,
        line: 21,
      },
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: FILE,
        line: 21,
        tenant: 'tenant_1',
      },
    ]);
    const failed = report.findings.find((f) => f.rule === 'migration-failed');
    expect(failed?.message).toContain('(SQLSTATE 55P04)');
  });
});
