import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildOptions } from '../src/config/build-options.js';
import { composePostgres } from '../src/config/compose.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { knownIds } from '../src/gates/index.js';
import { fixtureOptions, runFixture } from './helpers/run.js';

const FIXTURE = resolve('fixtures/setup/compose-init');

/** The fixture as a repository of its own (buildOptions finds the repository root through git). */
function fixtureRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-compose-init-'));
  cpSync(FIXTURE, root, { recursive: true });
  execFileSync('git', ['init', '-q', root]);
  return root;
}

describe('the compose file: what the postgres service has before the migrations', () => {
  it('reads the init mounts, the superuser, the database and the replica streaming from it', () => {
    expect(composePostgres(FIXTURE)).toEqual({
      file: 'docker-compose.yml',
      service: 'postgres',
      image: 'postgres:16-alpine',
      init: [
        {
          file: 'db/init/01-schemas.sql',
          target: '/docker-entrypoint-initdb.d/01-schemas.sql',
          mount: '/docker-entrypoint-initdb.d',
          kind: 'sql',
        },
        {
          file: 'db/init/02-seed.sh',
          target: '/docker-entrypoint-initdb.d/02-seed.sh',
          mount: '/docker-entrypoint-initdb.d',
          kind: 'sh',
        },
      ],
      unreadable: [],
      user: { name: 'app', superuser: true, variable: 'POSTGRES_USER' },
      database: 'app',
      replicas: ['postgres-replica'],
    });
  });

  it('takes --replicas from the services streaming from it, unless a flag gives it', () => {
    const root = fixtureRepo();
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    const options = buildOptions({ dir: join(root, 'migrations') }, knownIds(), root);
    expect(options.replicas).toBe(1);
    expect(options.inputNotes).toEqual([
      'replicas: 1 from docker-compose.yml (service postgres), streamed to by postgres-replica',
    ]);
    const flagged = buildOptions(
      { dir: join(root, 'migrations'), replicas: '0' },
      knownIds(),
      root,
    );
    expect(flagged.replicas).toBe(0);
    expect(flagged.inputNotes).toBeUndefined();
  });

  it('runs the init scripts before the merged history, creates POSTGRES_USER, names the .sh not run', async () => {
    const report = await runFixture('migrations', { repoRoot: FIXTURE, baseCount: 1 });
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.steps.map((s) => s.action)).toContain('gate isolation');
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'docker-compose.yml: created role app (POSTGRES_USER of service postgres); its init scripts run as it and the migrations as a member of it',
        'setup: ran db/init/01-schemas.sql (from docker-compose.yml service postgres, mounted at /docker-entrypoint-initdb.d)',
        'docker-compose.yml: db/init/02-seed.sh not run (shell scripts are not run; put the SQL in a .sql file or list it in setup:)',
      ]),
    );
  });

  it('without the init scripts the merged history does not build (the role it grants to is missing)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sg-noinit-'));
    try {
      cpSync(join(FIXTURE, 'migrations'), join(root, 'migrations'), { recursive: true });
      const options = fixtureOptions('migrations', { repoRoot: root });
      const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
      expect(report.status).toBe('error');
      expect(report.error?.exitCode).toBe(3);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the database topology: tenants are the databases the init scripts create', () => {
  const root = mkdtempSync(join(tmpdir(), 'sg-compose-db-'));
  execFileSync('git', ['init', '-q', root]);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('names the tenants after them, and every tenant database has what setup made', async () => {
    cpSync(join(FIXTURE, 'migrations'), join(root, 'migrations'), { recursive: true });
    // The PR's migration needs, in every tenant's database, what setup made in the base.
    writeFileSync(
      join(root, 'migrations', '000003_audit_kind_index.up.sql'),
      'CREATE INDEX events_kind_idx ON audit.events (kind);\n',
    );
    writeFileSync(
      join(root, 'compose.yaml'),
      [
        'services:',
        '  db:',
        '    image: postgres:17',
        '    environment:',
        '      POSTGRES_USER: app',
        '      POSTGRES_PASSWORD: secret',
        '    volumes:',
        '      - ./initdb.sql:/docker-entrypoint-initdb.d/initdb.sql:ro',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(root, 'initdb.sql'),
      [
        'CREATE DATABASE acme;',
        "SELECT 'CREATE DATABASE globex' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'globex')\\gexec",
        'CREATE ROLE app_readonly NOLOGIN;',
        'CREATE SCHEMA audit AUTHORIZATION app;',
        '',
      ].join('\n'),
    );
    const options = buildOptions(
      { dir: join(root, 'migrations'), topology: 'database', provider: 'embedded' },
      knownIds(),
      root,
    );
    expect(options.tenants).toEqual(['acme', 'globex']);
    expect(options.inputNotes).toEqual([
      'tenants: acme, globex from compose.yaml (service db): the databases its init scripts create',
    ]);
    const report = await runCheck(
      { ...options, replicas: 0, gates: ['replay', 'isolation'] },
      memoryLogger(),
      { mergedCount: 1 },
    );
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.tenantsValidated).toBe(2);
    expect(report.summary.migrationsApplied).toBe(2);
    expect(report.notes).toContain(
      'setup: ran initdb.sql (from compose.yaml service db, mounted at /docker-entrypoint-initdb.d/initdb.sql)',
    );
  });
});
