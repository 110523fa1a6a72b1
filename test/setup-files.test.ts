import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger, silentLogger } from '../src/core/logger.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import type { Cluster } from '../src/provision/provider.js';
import { initSqlParser } from '../src/sql/split.js';
import { fixtureOptions, runFixture } from './helpers/run.js';

/**
 * `setup:` files (globs, .sql and .sql.gz) run as the superuser before the merged history; a
 * failing one ends the run with exit 3 naming its file and line, never as a finding on the PR.
 */

const ROOT = resolve('fixtures/setup/setup-files');

describe('setup: files', () => {
  it('runs every file a glob matches, in name order, gunzipping .sql.gz', async () => {
    const report = await runFixture('migrations', {
      repoRoot: ROOT,
      baseCount: 1,
      settings: { setup: ['db/setup/*'] },
    });
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.steps.map((s) => s.action)).toContain('gate locks');
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'setup: ran db/setup/01_roles.sql (from setup:)',
        'setup: ran db/setup/02_currencies.sql.gz (from setup:)',
        'setup: db/setup/README.md not run (only .sql and .sql.gz files are run)',
      ]),
    );
  });

  it('ends with exit 3 and setupError naming the setup file and line of a failing statement', async () => {
    await initSqlParser();
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: ['db/broken/01_roles.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'db/broken/01_roles.sql',
      line: 3,
      message: 'schema "ref" does not exist (SQLSTATE 3F000)',
      cause: 'setup-script',
      remedy:
        'fix the setup SQL (it runs in an empty database before the merged migrations, as the role migrations run as, or as the superuser where that role may not)',
    });
    expect(report.error).toEqual({
      exitCode: 3,
      message:
        'could not build the base: db/broken/01_roles.sql:3: schema "ref" does not exist (SQLSTATE 3F000) (a setup script (setup:, or an init script of the compose file) that fails). Fix: fix the setup SQL (it runs in an empty database before the merged migrations, as the role migrations run as, or as the superuser where that role may not)',
    });
  });

  it('a glob that matches no SQL file is an input error (exit 2)', async () => {
    await initSqlParser();
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: ['db/nothing/*.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.error).toEqual({
      exitCode: 2,
      message: `setup: db/nothing/*.sql matches no .sql or .sql.gz file under ${ROOT}`,
    });
  });

  it('takes an absolute path inside the repository, and refuses one outside it (exit 2)', async () => {
    await initSqlParser();
    const inside = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: [`${ROOT}/db/nothing/*.sql`] },
    });
    const report = await runCheck(inside, memoryLogger(), { mergedCount: 1 });
    expect(report.error?.message).toBe(
      `setup: db/nothing/*.sql matches no .sql or .sql.gz file under ${ROOT}`,
    );
    const outside = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: ['/etc/init.sql'] },
    });
    expect((await runCheck(outside, memoryLogger(), { mergedCount: 1 })).error).toEqual({
      exitCode: 2,
      message: `setup: /etc/init.sql is outside the repository ${ROOT}; setup files are read from the repository: commit the file and name it relative to the repository root`,
    });
  });

  it('never runs what reaches the host as the superuser, even where the role was refused', async () => {
    await initSqlParser();
    const marker = '/tmp/schemagate-setup-program-marker';
    rmSync(marker, { force: true });
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: ['db/hostile/01_export.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(existsSync(marker)).toBe(false);
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'db/hostile/01_export.sql',
      line: 3,
      message: expect.stringMatching(
        /^permission denied to COPY to or from an external program \(SQLSTATE 42501\): the statement reaches the server's host \(a program, a server file, native code or the server's configuration\), which setup never runs as the superuser$/,
      ),
      cause: 'setup-script',
      remedy:
        'remove the statement from the setup SQL (load data with INSERT, create functions in a trusted language), or set migrationRole: superuser on the base branch if the check should run it',
    });
  });

  it('ends the run when setup gives the migration role a way to the host', async () => {
    await initSqlParser();
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      settings: { setup: ['db/hostile/02_grant.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.status).toBe('error');
    expect(report.error?.exitCode).toBe(3);
    expect(report.setupError?.message).toMatch(
      /^after setup, the role migrations run as \(\w+\) is a member of pg_execute_server_program, a role that reaches the server host: migration code could reach the host through it$/,
    );
  });
});

describe('setup: files on a server that outlives the run (--provider url)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    const admin = new pg.Client(cluster.primary);
    await admin.connect();
    await admin.query('create database analytics');
    await admin.end();
    const analytics = new pg.Client({ ...cluster.primary, database: 'analytics' });
    await analytics.connect();
    await analytics.query('create table events (id int)');
    await analytics.end();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('never \\connects to a database the run did not create', async () => {
    await initSqlParser();
    const { host, port, user } = cluster.primary;
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      provider: 'url',
      databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
      settings: { setup: ['db/elsewhere/01_reporting.sql'] },
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.setupError).toEqual({
      file: 'db/elsewhere/01_reporting.sql',
      line: 3,
      message:
        '\\connect analytics: with --provider url, setup runs only in databases this run created',
      cause: 'setup-script',
      remedy:
        'create the database in the setup script before connecting to it, or run the check on a throwaway server (--provider embedded or docker)',
    });
    const analytics = new pg.Client({ ...cluster.primary, database: 'analytics' });
    await analytics.connect();
    const kept = await analytics.query("select to_regclass('events') is not null as kept");
    await analytics.end();
    expect(kept.rows).toEqual([{ kept: true }]);
  });
});
