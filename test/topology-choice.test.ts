import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildOptions } from '../src/config/build-options.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { knownIds } from '../src/gates/index.js';
import { initSqlParser } from '../src/sql/split.js';
import { discoverMigrations } from '../src/discover/index.js';
import { databaseTopologyReason } from '../src/check/topology-choice.js';

/**
 * Migrations that name schema public on their tables (as drizzle-kit and some teams write them)
 * cannot be replayed once per tenant schema: with no topology chosen, the check runs the
 * database topology and says why.
 */
function prRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-topology-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  cpSync(resolve('fixtures/topology/public-qualified'), root, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root });
  git('init', '-q', '-b', 'main');
  git(
    'add',
    '-A',
    '.',
    ':!db/migrations/000002_users_email_unique.up.sql',
    ':!db/migrations/000002_users_email_unique.down.sql',
  );
  git('commit', '-q', '-m', 'base');
  git('add', '-A');
  git('commit', '-q', '-m', 'pr');
  return root;
}

async function check(root: string, topology?: string) {
  await initSqlParser();
  const options = buildOptions(
    {
      dir: 'db/migrations',
      base: 'HEAD~1',
      provider: 'embedded',
      replicas: '0',
      gates: 'replay,locks',
      ...(topology ? { topology } : {}),
    },
    knownIds(),
    root,
  );
  return runCheck(options, memoryLogger());
}

describe('the topology, when nothing chose one', () => {
  it('is database for migrations that name schema public, with the reason in the notes', async () => {
    const report = await check(prRepo());
    expect(report.status).toBe('passed');
    expect(report.topology.kind).toBe('database');
    expect(report.notes).toContain(
      'topology: database, as the migrations name schema public on their tables (5 of 5 statements), so a schema per tenant cannot hold them (set topology: to choose another)',
    );
    expect(report.summary.migrationsApplied).toBe(1);
  });

  it('stays as a flag sets it', async () => {
    const report = await check(prRepo(), 'schema');
    expect(report.topology.kind).toBe('schema');
    expect(report.notes.filter((n) => n.startsWith('topology:'))).toEqual([]);
  });
});

describe('migrations that create a table without a schema and then name it in public', () => {
  it('are checked in the database topology, naming the statement', async () => {
    await initSqlParser();
    const root = mkdtempSync(join(tmpdir(), 'sg-topology-mixed-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const dir = join(root, 'drizzle');
    cpSync(resolve('fixtures/topology/created-then-qualified'), dir, { recursive: true });
    const d = await discoverMigrations(root, 'drizzle', 'auto');
    expect(databaseTopologyReason(d.migrations)).toBe(
      'topology: database, as the migrations create tables without a schema and then name them in public (public.registry (drizzle/0001_application_registry.sql:2)), so a schema per tenant cannot hold them (set topology: to choose another)',
    );
  });
});

describe('migrations that look an object up in the catalog by name', () => {
  async function reason(
    fixture: string,
    dir: string,
    format: 'golang-migrate' | 'flyway' | 'plain',
  ) {
    await initSqlParser();
    const root = resolve('fixtures/topology/catalog-lookups', fixture);
    const d = await discoverMigrations(root, dir, format);
    return databaseTopologyReason(d.migrations);
  }
  const why = (lookup: string) =>
    `topology: database, as the migrations look a table up in the catalog by its name alone (${lookup}), which in one database finds the table another tenant's schema holds, so a schema per tenant cannot run them (set topology: to choose another)`;

  it('are checked in the database topology, whichever catalog view or table they read', async () => {
    expect(await reason('constraint-usage', 'migrations', 'golang-migrate')).toBe(
      why(
        'information_schema.constraint_column_usage by table_name at migrations/000002_table_uploads_unique.up.sql:8',
      ),
    );
    expect(await reason('enum-guard', 'migrations', 'plain')).toBe(
      why('pg_type by typname at migrations/0001_orders.sql:3'),
    );
  });

  it('are checked in the database topology when they look in schema public by name', async () => {
    expect(await reason('public-columns', 'db/migration', 'flyway')).toBe(
      why(
        'information_schema.columns by table_name in schema public at db/migration/V2__rename_tilstand.sql:5',
      ),
    );
  });

  it('stay in the schema topology when they look in the current schema', async () => {
    expect(await reason('current-schema', 'migrations', 'plain')).toBeUndefined();
  });
});
