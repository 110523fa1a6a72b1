import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { parseSearchPath, sessionSearchPath } from '../src/replay/search-path.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions, runFixture } from './helpers/run.js';

/**
 * measure-sh/measure: the init script makes the `measure` schema and sets the database's
 * search_path to it; dbmate's migrations then name their tables unqualified. supabase/storage's
 * runner sets the session's search_path itself: `searchPath:` says so.
 */

const ROOT = resolve('fixtures/setup/init-search-path');
const MIGRATIONS = 'self-host/dbmate/migrations';

/** The migrations alone, with a setup file that makes the schema but sets no search_path. */
function withoutInit(): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-search-path-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(ROOT, MIGRATIONS), join(root, MIGRATIONS), { recursive: true });
  writeFileSync(join(root, 'schema.sql'), 'CREATE SCHEMA IF NOT EXISTS measure;\n');
  return root;
}

describe('the search_path production resolves names in', () => {
  it('honours ALTER DATABASE <POSTGRES_DB> SET search_path of an init script', async () => {
    const report = await runFixture(MIGRATIONS, {
      repoRoot: ROOT,
      baseCount: 1,
      topology: 'database',
      gates: ['replay'],
    });
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'setup: ran self-host/postgres/init.sql (from docker-compose.yml service postgres, mounted at /docker-entrypoint-initdb.d/init.sql)',
        'setup: ALTER DATABASE measure SET search_path TO measure, public (migrations run with it)',
      ]),
    );
  });

  it('`searchPath:` sets it for the migration sessions', async () => {
    const report = await runFixture(MIGRATIONS, {
      repoRoot: withoutInit(),
      baseCount: 1,
      topology: 'database',
      gates: ['replay'],
      settings: { setup: ['schema.sql'], searchPath: ['measure', 'public'] },
    });
    expect(report.status).toBe('passed');
    expect(brief(report.findings)).toEqual([]);
  });

  it('without it the table lands in public, and the PR fails naming measure.teams', async () => {
    const report = await runFixture(MIGRATIONS, {
      repoRoot: withoutInit(),
      baseCount: 1,
      topology: 'database',
      gates: ['replay'],
      settings: { setup: ['schema.sql'] },
    });
    expect(report.status).toBe('blocked');
    expect(report.findings.map((f) => [f.rule, f.line, f.message])).toEqual([
      ['migration-failed', 8, expect.stringContaining('relation "measure.teams" does not exist')],
    ]);
  });

  it('the missing-object remedy names searchPath: when another schema has the table', async () => {
    await initSqlParser();
    const root = withoutInit();
    writeFileSync(
      join(root, 'schema.sql'),
      'CREATE SCHEMA IF NOT EXISTS measure;\nCREATE TABLE measure.teams (id uuid PRIMARY KEY);\n',
    );
    writeFileSync(
      join(root, MIGRATIONS, '20240312080000_create_teams.sql'),
      '-- migrate:up\nalter table teams add column name text;\n\n-- migrate:down\n',
    );
    const options = fixtureOptions(MIGRATIONS, {
      repoRoot: root,
      topology: 'database',
      gates: ['replay'],
      settings: { setup: ['schema.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.setupError).toEqual({
      file: `${MIGRATIONS}/20240312080000_create_teams.sql`,
      line: 2,
      message: 'relation "teams" does not exist (SQLSTATE 42P01)',
      cause: 'missing-object',
      remedy:
        "`searchPath: [measure]` in .schemagate.yml: teams is in schema measure, which production resolves unqualified names in (a search_path set on the database, ALTER DATABASE … SET search_path, or by the migration runner) and the migrations' session here does not.",
    });
  });

  it('keeps the tenant schema first in the schema topology, and replaces public in the others', () => {
    const tenant = {
      name: 'tenant_1',
      database: 'd',
      schema: 'tenant_1',
      searchPath: ['tenant_1', 'public'],
    };
    const alone = { name: 'shared', database: 'd', schema: 'public', searchPath: ['public'] };
    const sources = { configured: ['storage'], platform: ['extensions'] };
    expect(sessionSearchPath(tenant, { schemaPerTenant: true }, sources)).toEqual([
      'tenant_1',
      'public',
      'storage',
      'extensions',
    ]);
    expect(sessionSearchPath(alone, { schemaPerTenant: false }, sources)).toEqual([
      'storage',
      'extensions',
    ]);
    expect(
      sessionSearchPath(alone, { schemaPerTenant: false }, { platform: ['extensions'] }),
    ).toEqual(['public', 'extensions']);
    expect(parseSearchPath('"$user", public, Extensions')).toEqual([
      '$user',
      'public',
      'extensions',
    ]);
  });
});
