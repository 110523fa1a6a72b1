import { describe, expect, it } from 'vitest';
import { brief, fixtureOptions } from './helpers/run.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import type { Report } from '../src/core/report.js';
import { initSqlParser } from '../src/sql/split.js';

/**
 * The walk: the locks gate's workload probe, the replica gate's conflict probe and the rollback
 * gate's pairs share one copy of the base and one up per migration, and report what each gate
 * reports on its own.
 */

const dir = 'fixtures/replica/conflict-and-unlogged';

async function run(gates: string[]): Promise<{ report: Report; lines: string[] }> {
  await initSqlParser();
  const logger = memoryLogger();
  const options = fixtureOptions(dir, { baseCount: 2, tenantCount: 2, replicas: 1, gates });
  const report = await runCheck(options, logger, { mergedCount: 2 });
  expect(report.status).not.toBe('error');
  return { report, lines: logger.lines };
}

const copies = (lines: string[]) => lines.filter((l) => l.startsWith('debug: sandbox: '));

describe('the walk shared by the locks, rollback and replica gates', () => {
  it('copies the base once for all three, and finds what each finds alone', async () => {
    const together = await run(['replay', 'locks', 'rollback', 'replica']);
    expect(copies(together.lines)).toEqual([
      expect.stringMatching(/^debug: sandbox: \w+_c1_base, copy 1 of the base for walk$/),
    ]);
    const alone = [];
    for (const gate of ['locks', 'rollback', 'replica']) {
      const { report, lines } = await run(['replay', gate]);
      expect(copies(lines)).toHaveLength(1);
      alone.push(...report.findings.filter((f) => f.gate === gate));
    }
    const byPlace = (a: { file?: string; line?: number; rule: string }, b: typeof a) =>
      `${a.file}:${a.line}:${a.rule}`.localeCompare(`${b.file}:${b.line}:${b.rule}`);
    expect(brief(together.report.findings).sort(byPlace)).toEqual(brief(alone).sort(byPlace));
    expect(brief(together.report.findings)).toEqual([
      {
        gate: 'replica',
        rule: 'unlogged-table',
        severity: 'warning',
        file: `${dir}/000004_create_login_cache.up.sql`,
        line: 2,
      },
      {
        gate: 'replica',
        rule: 'replica-query-conflict',
        severity: 'notice',
        file: `${dir}/000003_add_users_nickname.up.sql`,
        line: 2,
      },
    ]);
    // The workload ran around the ALTER TABLE, and the pairs around both migrations.
    const alter = together.report.trace?.find((t) => t.kind === 'AlterTableStmt');
    expect(alter?.maxWorkloadWaitMs).toEqual(expect.any(Number));
    expect(together.lines.filter((l) => l.startsWith('debug: rollback:'))).toEqual([
      'debug: rollback: 000003 up → down → up on tenant_1',
      'debug: rollback: 000004 up → down → up on tenant_1',
    ]);
  });
});
