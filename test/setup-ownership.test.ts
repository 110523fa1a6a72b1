import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions, runFixture } from './helpers/run.js';

/**
 * What `setup:` creates belongs to the role migrations run as, as what a real server's init
 * scripts create belongs to POSTGRES_USER, who then runs the application's migrations
 * (measure-sh/measure: the init script makes the `measure` schema and a table, the merged
 * migrations create tables in it and alter the table).
 */

const ROOT = resolve('fixtures/setup/init-schema');

describe('setup: objects the migrations may use', () => {
  it('the migration role owns the schema and table setup made: merged and PR migrations use them', async () => {
    const report = await runFixture('db/migrations', {
      repoRoot: ROOT,
      baseCount: 1,
      topology: 'database',
      gates: ['replay', 'locks', 'rollback'],
      settings: { setup: ['postgres/01-init.sql'] },
    });
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    // measure.teams existed before the PR (setup made it): altering it is a lock on a live table.
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: 'db/migrations/20240405101500_teams_slug.sql',
        line: 2,
      },
    ]);
    expect(report.notes).toContain('setup: ran postgres/01-init.sql (from setup:)');
  });

  it('a statement the migration role may not run falls back to the superuser, inside a transaction too', async () => {
    await initSqlParser();
    const options = fixtureOptions('db/migrations', {
      repoRoot: ROOT,
      topology: 'database',
      gates: ['replay'],
      settings: { setup: ['postgres/01-init.sql', 'postgres/superuser/*.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 2 });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(0);
  });

  it('with migrationRole: superuser setup runs as the superuser, as before', async () => {
    const report = await runFixture('db/migrations', {
      repoRoot: ROOT,
      baseCount: 1,
      topology: 'database',
      gates: ['replay'],
      settings: { setup: ['postgres/01-init.sql'], migrationRole: 'superuser' },
    });
    expect(report.status).toBe('passed');
    expect(brief(report.findings)).toEqual([]);
  });
});
