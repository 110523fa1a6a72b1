import { describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';

const DIR = 'fixtures/engine/suppressions';
const FILE = `${DIR}/000002_price_as_text.up.sql`;

describe('schemagate:ignore comments', () => {
  it('suppress a rule with a reason, and say when an ignore has no reason or suppresses nothing', async () => {
    const report = await runFixture(DIR, {
      baseCount: 1,
      tenantCount: 1,
      gates: ['replay', 'locks'],
    });
    const found = brief(report.findings);
    expect(found.filter((f) => f.rule === 'table-rewrite')).toEqual([]);
    expect(found.filter((f) => f.rule === 'non-concurrent-index')).toEqual([
      { gate: 'locks', rule: 'non-concurrent-index', severity: 'warning', file: FILE, line: 5 },
    ]);
    expect(found.filter((f) => f.gate === 'replay')).toEqual([
      { gate: 'replay', rule: 'ignore-without-reason', severity: 'notice', file: FILE, line: 4 },
      { gate: 'replay', rule: 'unused-ignore', severity: 'notice', file: FILE, line: 6 },
    ]);
    const notices = report.findings.filter((f) => f.gate === 'replay').map((f) => f.message);
    expect(notices).toEqual([
      'schemagate:ignore non-concurrent-index has no reason; it suppresses nothing until it says why the statement is safe',
      'schemagate:ignore fk-without-index suppresses nothing on the statement at line 7; remove it',
    ]);
  });

  it('count in each gate step what the report lists after suppression', async () => {
    const report = await runFixture(DIR, {
      baseCount: 1,
      tenantCount: 1,
      gates: ['replay', 'locks'],
    });
    for (const gate of ['replay', 'locks'] as const) {
      const mine = report.findings.filter((f) => f.gate === gate);
      const step = report.steps.find((s) => s.action === `gate ${gate}`);
      expect(step?.details.startsWith(`${mine.length} finding(s)`)).toBe(true);
      const blocked = mine.some((f) => f.severity === 'blocker');
      const warned = mine.some((f) => f.severity === 'warning');
      expect(step?.status).toBe(blocked ? 'blocked' : warned ? 'warning' : 'ok');
    }
    expect(report.steps.find((s) => s.action === 'gate replay')?.details).toBe('2 finding(s)');
    expect(report.summary.gatesPassed).toBe(1);
  });
});
