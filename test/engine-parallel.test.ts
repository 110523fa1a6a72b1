import { describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';
import { defaultSettings } from '../src/config/settings.js';
import type { Report } from '../src/core/report.js';

/** What a report says about the replay, without what is measured (durations, ids, times). */
function replayOf(report: Report) {
  return {
    findings: report.findings.map((f) => ({ ...brief([f])[0], message: f.message })),
    trace: report.trace?.map((t) => ({ ...t, durationMs: 0 })),
    steps: report.steps
      .filter((s) => !s.action.startsWith('gate') && s.action !== 'provision')
      .map((s) => s.details),
    notes: report.notes,
    summary: report.summary,
  };
}

describe('tenants replayed in parallel', () => {
  it('report what one at a time reports, in the same order', async () => {
    const dir = 'fixtures/engine/fails-on-one-tenant';
    const run = (parallel: number) =>
      runFixture(dir, {
        baseCount: 2,
        tenantCount: 5,
        gates: ['replay', 'isolation'],
        settings: { ...defaultSettings(), seedRows: 20, parallel },
      });
    const one = await run(1);
    const four = await run(4);
    expect(replayOf(four)).toEqual(replayOf(one));
    expect(one.findings.map((f) => f.rule)).toContain('migration-failed');
  }, 180_000);
});

describe('migrationTimeoutMs', () => {
  it('cancels a migration still running after the bound, at the statement it was running', async () => {
    const dir = 'fixtures/engine/lifted-timeout';
    const report = await runFixture(dir, {
      baseCount: 1,
      tenantCount: 2,
      gates: ['replay'],
      settings: {
        ...defaultSettings(),
        seedRows: 10,
        replay: { statementTimeoutMs: 60_000, migrationTimeoutMs: 1000 },
      },
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
      'canceling statement due to the migration timeout: the migration ran longer than migrationTimeoutMs (1000 ms) on tenant_1, and the check cancelled it',
    );
  }, 90_000);
});
