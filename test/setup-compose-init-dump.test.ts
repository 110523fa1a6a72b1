/**
 * A compose file whose Postgres loads a development dump (and seed rows) from
 * /docker-entrypoint-initdb.d, as teams do so that a fresh container starts migrated: run before
 * the merged history, the dump makes the tables the migrations then create (one database, as
 * the application runs). The setup error names
 * the init script and `composeInit: false`, and with it the PR reaches the gates.
 */
import { describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { checkTwoCommits } from './helpers/two-commits.js';

const FIXTURE = 'fixtures/real-cases/compose-init-dump';
const MIGRATION = 'db/migrations/20240110093000_create_students.sql';

const check = (composeInit?: boolean) =>
  checkTwoCommits(
    FIXTURE,
    { dir: 'db/migrations', topology: 'database' },
    composeInit === undefined ? {} : { composeInit },
  );

describe("a compose file's init scripts that load a development dump", () => {
  it('are named, with composeInit: false, when the merged history creates what they made', async () => {
    const report = await check();
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: MIGRATION,
      line: 2,
      message: 'relation "students" already exists (SQLSTATE 42P07)',
      cause: 'statement-failed',
      remedy:
        "db/init/01-schema.sql, an init script of docker-compose.yml's service db run before the merged history, already creates students, which the migrations create themselves: production runs them on a server without it (a development dump or seed in /docker-entrypoint-initdb.d). Leave the compose file's init scripts out with `composeInit: false` in .schemagate.yml, and list in `setup:` those the migrations do need.",
    });
  });

  it('are left out with composeInit: false, and the PR reaches the gates', async () => {
    const report = await check(false);
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.notes).toContain(
      'docker-compose.yml: the init scripts of service db not run (composeInit: false): db/init/01-schema.sql, db/init/02-seeds.sql',
    );
    expect(brief(report.findings)).toEqual([]);
  });
});
