/**
 * Shapes real repositories have, each checked through dist/cli.js as a user runs it, with no
 * setting: the merged history builds, the gates run, and the PR passes. Alembic with alembic.ini
 * at the repository root, a compose file whose postgres service mounts an init script the
 * migrations depend on, and a golang-migrate migration that alters golang-migrate's own table.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
import { findPython } from '../src/discover/alembic/python.js';
import { alembicTool, runsWith } from './helpers/tools.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

interface Repo {
  root: string;
  base: string;
  dispose: () => void;
}

interface Run {
  code: number | null;
  report: Report;
  stderr: string;
}

const withAlembic = runsWith(alembicTool(), 'the Alembic project with alembic.ini at the root');
const scratch = mkdtempSync(join(tmpdir(), 'sg-real-cases-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `schemagate check …args --json` in `root`, as a user runs it: no virtualenv, no config. */
function cli(root: string, ...args: string[]): Run {
  const json = join(scratch, 'report.json');
  const env: NodeJS.ProcessEnv = { ...process.env, SCHEMAGATE_PROGRESS: 'off', NO_COLOR: '1' };
  delete env.VIRTUAL_ENV;
  delete env.SCHEMAGATE_ALEMBIC_PYTHON;
  const r = spawnSync(
    process.execPath,
    [resolve('dist/cli.js'), 'check', ...args, '--provider', 'embedded', '--json', json],
    { cwd: root, encoding: 'utf8', timeout: 120_000, env },
  );
  const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
  rmSync(json);
  return { code: r.status, report, stderr: r.stderr };
}

/** A repository of the flat `fixture` whose base commit holds `merged`; the PR adds the rest. */
function repoInTwoCommits(fixture: string, merged: string[]): Repo {
  const root = mkdtempSync(join(tmpdir(), 'sg-real-case-'));
  const git = (...args: string[]): string => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  cpSync(resolve(fixture), root, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', ...merged);
  git('commit', '-q', '-m', 'base');
  const base = git('rev-parse', 'HEAD');
  git('add', '-A');
  git('commit', '-q', '-m', 'pr');
  return { root, base, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

const findings = (report: Report) =>
  report.findings.map((f) => [f.rule, f.file, f.line, f.severity]);
const steps = (report: Report) => report.steps.map((s) => [s.action, s.status]);
const states = (report: Report) => report.migrations.map((m) => [m.file, m.state]);

/** Every phase ran and each gate ended as `gates` says (ok unless named). */
function allSteps(gates: Record<string, string> = {}): string[][] {
  const names = ['replay', 'graph', 'locks', 'isolation', 'rollback', 'replica', 'compat'];
  return [
    ...['discover', 'plan', 'provision', 'replay merged', 'replay PR'].map((a) => [a, 'ok']),
    ...names.map((g) => [`gate ${g}`, gates[g] ?? 'ok']),
  ];
}

describe.runIf(withAlembic)('an Alembic project with alembic.ini at the repository root', () => {
  const fixture = 'fixtures/real-cases/alembic-root';
  const repo: Repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  afterAll(() => repo.dispose());
  const revision = 'migrations/versions/b41f0e6d7c23_add_posts_published_at.py';

  function expectPassed({ code, report, stderr }: Run, discovered: string): void {
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(states(report)).toEqual([
      ['migrations/versions/3c9a1f27b8d0_create_users.py', 'merged'],
      ['migrations/versions/8d2e4b6c1a95_create_posts.py', 'merged'],
      [revision, 'new'],
    ]);
    expect(report.steps[0].details).toBe(discovered);
    expect(report.notes).toEqual([
      `Alembic ran under ${findPython(undefined)} (no python: setting and no virtualenv)`,
    ]);
    expect(steps(report)).toEqual(allSteps({ locks: 'warning' }));
    // The revision's add_column, placed on its line in the .py file.
    expect(findings(report)).toEqual([
      ['missing-lock-timeout', revision, 20, 'warning'],
      ['replica-query-conflict', revision, 20, 'notice'],
    ]);
  }

  it('`check .` follows script_location to migrations/ and passes', () => {
    expectPassed(
      cli(repo.root, '.', '--base', repo.base),
      "3 alembic migrations in . (alembic.ini's script_location migrations: found env.py and 3 Alembic revision files in versions/)",
    );
  }, 120_000);

  it('`check migrations` finds the same project through the alembic.ini above it', () => {
    expectPassed(
      cli(repo.root, 'migrations', '--base', repo.base),
      '3 alembic migrations in migrations (found env.py and 3 Alembic revision files in versions/)',
    );
  }, 120_000);
});

describe('a compose file whose postgres service mounts the init script the migrations need', () => {
  const fixture = 'fixtures/real-cases/compose-init-sql';
  const repo: Repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  afterAll(() => repo.dispose());

  it('runs db/init.sql before the merged history with no setting, and passes', () => {
    const { code, report, stderr } = cli(repo.root, '--base', repo.base);
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(states(report)).toEqual([
      ['db/migrations/20240305101500_create_invoices.sql', 'merged'],
      ['db/migrations/20240412163000_create_payments.sql', 'new'],
    ]);
    expect(report.topology.kind).toBe('database');
    expect(report.notes).toEqual([
      "dbmate migrations read from db/migrations, dbmate's default directory",
      'topology: database, as the migrations name schema ledger on their tables (5 of 5 statements), so a schema per tenant cannot hold them (set topology: to choose another)',
      'Postgres 17 from docker-compose.yml (service postgres, image postgres:17)',
      `requested Postgres 17, but the embedded provider has ${report.topology.postgres}`,
      'docker-compose.yml: created role billing (POSTGRES_USER of service postgres); its init scripts run as it and the migrations as a member of it',
      'setup: ran db/init.sql (from docker-compose.yml service postgres, mounted at /docker-entrypoint-initdb.d/init.sql)',
    ]);
    expect(steps(report)).toEqual(allSteps());
    expect(findings(report)).toEqual([]);
  }, 120_000);
});

describe("a golang-migrate migration that alters golang-migrate's schema_migrations", () => {
  const dir = 'migrations';
  const repo = repoInTwoCommits('fixtures/setup/tool-table', [
    `${dir}/000001_create_accounts.up.sql`,
    `${dir}/000001_create_accounts.down.sql`,
    `${dir}/000002_track_migration_time.up.sql`,
    `${dir}/000002_track_migration_time.down.sql`,
  ]);
  afterAll(() => repo.dispose());

  it('replays the merged ALTER TABLE schema_migrations on the table as golang-migrate made it, and passes', () => {
    const { code, report, stderr } = cli(repo.root, dir, '--base', repo.base);
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(states(report)).toEqual([
      [`${dir}/000001_create_accounts.up.sql`, 'merged'],
      [`${dir}/000002_track_migration_time.up.sql`, 'merged'],
      [`${dir}/000003_add_accounts_plan.up.sql`, 'new'],
    ]);
    expect(report.notes).toEqual([]);
    expect(steps(report)).toEqual(allSteps());
    // The PR's ALTER TABLE accounts (after SET lock_timeout) cancels a replica's read of accounts.
    expect(findings(report)).toEqual([
      ['replica-query-conflict', `${dir}/000003_add_accounts_plan.up.sql`, 2, 'notice'],
    ]);
  }, 120_000);

  it('is found from the repository root, as the Action checks without a migrations input', () => {
    const { code, report, stderr } = cli(repo.root, '.', '--base', repo.base);
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(report.steps[0].details).toBe(
      '3 golang-migrate migrations in migrations (found 6 files named {version}_{title}.up.sql or .down.sql)',
    );
    expect(report.notes).toEqual([
      'migrations: migrations, the one folder below . that holds migrations (golang-migrate); set migrations: in .schemagate.yml to check another',
    ]);
    expect(findings(report)).toEqual([
      ['replica-query-conflict', `${dir}/000003_add_accounts_plan.up.sql`, 2, 'notice'],
    ]);
  }, 120_000);
});

describe('a compose file whose postgres service is built from a Dockerfile that copies its init SQL', () => {
  const fixture = 'fixtures/real-cases/compose-build-dockerfile';
  const repo: Repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  afterAll(() => repo.dispose());

  it('runs the SQL the Dockerfile copies into /docker-entrypoint-initdb.d, on the version it starts FROM', () => {
    const { code, report, stderr } = cli(repo.root, '--base', repo.base);
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(states(report)).toEqual([
      ['db/migrations/000001_create_customers.up.sql', 'merged'],
      ['db/migrations/000002_create_orders.up.sql', 'new'],
    ]);
    expect(report.notes).toEqual([
      'migrations: db/migrations, the one folder below . that holds migrations (golang-migrate); set migrations: in .schemagate.yml to check another',
      // The build arg PG_MAJOR: "16" wins over the Dockerfile's ARG default 17.
      'Postgres 16 from docker-compose.yml (service db, built FROM postgres:16-bookworm in docker/postgres/Dockerfile)',
      `requested Postgres 16, but the embedded provider has ${report.topology.postgres}`,
      'docker-compose.yml: created role app (POSTGRES_USER of service db); its init scripts run as it and the migrations as a member of it',
      'setup: ran docker/postgres/initdb/01-roles.sql (from docker-compose.yml service db, copied to /docker-entrypoint-initdb.d/01-roles.sql at docker/postgres/Dockerfile:6)',
      "setup: ALTER DATABASE app SET search_path TO shop, public (migrations run with it, after the tenant's schema)",
      'docker-compose.yml: docker/postgres/initdb/02-test-database.sh not run (shell scripts are not run; put the SQL in a .sql file or list it in setup:)',
    ]);
    expect(steps(report)).toEqual(allSteps({ locks: 'warning' }));
    // The GRANT to reporting (a role the init SQL makes) replays; the PR's own hazards remain.
    expect(findings(report)).toEqual([
      ['missing-lock-timeout', 'db/migrations/000002_create_orders.up.sql', 1, 'warning'],
      ['serial-column', 'db/migrations/000002_create_orders.up.sql', 1, 'warning'],
    ]);
  }, 120_000);
});

describe('a compose file whose postgres service installs an extension in its Dockerfile', () => {
  const fixture = 'fixtures/real-cases/compose-dockerfile-extension';
  const repo: Repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  afterAll(() => repo.dispose());

  it('cannot build the base on the embedded Postgres, and names the Dockerfile line to build', () => {
    const { code, report, stderr } = cli(repo.root, '--base', repo.base);
    expect(code).toBe(3);
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'db/migrations/20240611093000_create_documents.sql',
      line: 2,
      message: 'extension "vector" is not available (SQLSTATE 0A000)',
      cause: 'missing-extension',
      remedy:
        'the embedded Postgres does not ship vector: docker-compose.yml builds service postgres from docker/db.Dockerfile, whose RUN step at line 2 installs vector; build that image (`docker compose -f docker-compose.yml build postgres`) before schemagate runs and set `image:` in .schemagate.yml to its tag, with --provider docker.',
    });
    expect(stderr).toContain(
      'could not build the base: db/migrations/20240611093000_create_documents.sql:2',
    );
  }, 120_000);
});
