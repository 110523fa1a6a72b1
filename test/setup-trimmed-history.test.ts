/**
 * A repository that deleted its oldest migrations (memos keeps release folders from 0.19 on and a
 * LATEST.sql snapshot beside them): the first migration left expects tables no file creates. The
 * setup error says so and names the snapshot as the baseline, and with it the PR reaches the gates.
 */
import { describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { checkTwoCommits } from './helpers/two-commits.js';

const FIXTURE = 'fixtures/setup/trimmed-history';
const DIR = 'store/migration/postgres';

const check = (baseline?: string) =>
  checkTwoCommits(FIXTURE, { dir: DIR }, baseline ? { baseline } : {});

describe('a history whose oldest migrations were removed', () => {
  it('is a setup error that names the snapshot beside the migrations as the baseline', async () => {
    const report = await check();
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: `${DIR}/0.19/00__add_resource_name.sql`,
      line: 1,
      message: 'relation "memo" does not exist (SQLSTATE 42P01)',
      cause: 'missing-object',
      remedy: `${DIR}/0.19/00__add_resource_name.sql is the first migration in the repository and expects relation memo, which no file here creates: the migrations that made it were removed (a trimmed or squashed history). Start from the schema snapshot beside them with \`baseline: ${DIR}/LATEST.sql\` in .schemagate.yml (the merged migrations are taken as applied to it, and the PR's replay on top).`,
    });
  });

  it('reaches the gates with that baseline', async () => {
    const report = await check(`${DIR}/LATEST.sql`);
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.topology.base).toEqual({ kind: 'dump', path: `${DIR}/LATEST.sql` });
    expect(brief(report.findings)).toEqual([
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
  });
});
