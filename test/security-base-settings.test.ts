import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildOptions } from '../src/config/build-options.js';
import { runCheck } from '../src/check/check.js';
import { settingsFromBase } from '../src/check/base-settings.js';
import { memoryLogger } from '../src/core/logger.js';
import { knownIds } from '../src/gates/index.js';
import { initSqlParser } from '../src/sql/split.js';

/**
 * A golang-migrate repository whose PR edits `.schemagate.yml` (to `prConfig`) and adds a
 * migration that runs a program on the server's host.
 */
function repo(baseConfig: string | undefined, prConfig: string, marker: string): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-base-settings-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root });
  mkdirSync(join(root, 'db/migrations'), { recursive: true });
  writeFileSync(
    join(root, 'db/migrations/000001_create_accounts.up.sql'),
    'CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);\n',
  );
  writeFileSync(
    join(root, 'db/migrations/000001_create_accounts.down.sql'),
    'DROP TABLE accounts;\n',
  );
  if (baseConfig !== undefined) writeFileSync(join(root, '.schemagate.yml'), baseConfig);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  writeFileSync(join(root, '.schemagate.yml'), prConfig);
  writeFileSync(
    join(root, 'db/migrations/000002_audit_export.up.sql'),
    `CREATE TABLE audit_log (id bigint PRIMARY KEY, entry text);\n\nCOPY audit_log TO PROGRAM 'touch ${marker}';\n`,
  );
  writeFileSync(
    join(root, 'db/migrations/000002_audit_export.down.sql'),
    'DROP TABLE audit_log;\n',
  );
  git('add', '-A');
  git('commit', '-q', '-m', 'pr');
  return root;
}

/** The base commit of a repository made by `repo`. */
function baseCommit(root: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD~1'], { cwd: root }).toString().trim();
}

/**
 * The repository of `repo`, whose base commit also holds `baseFiles`, then a PR commit that
 * writes `prFiles` on top of it: what a PR changing files outside the migrations looks like.
 */
function baseThenPr(
  baseFiles: Record<string, string>,
  prFiles: Record<string, string>,
): { root: string; base: string } {
  const root = repo('migrations: db/migrations\n', 'migrations: db/migrations\n', '/nonexistent');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root })
      .toString()
      .trim();
  const write = (files: Record<string, string>, message: string) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  git('checkout', '-q', 'HEAD~1');
  const base = write(baseFiles, 'base');
  write(prFiles, 'pr');
  return { root, base };
}

describe('settings that decide what PR code may reach come from the base branch', () => {
  it('keeps the base migration role when the PR switches it to superuser', async () => {
    await initSqlParser();
    const marker = join(tmpdir(), `sg-base-settings-${process.pid}-a`);
    const root = repo(
      'migrations: db/migrations\n',
      'migrations: db/migrations\nmigrationRole: superuser\n',
      marker,
    );
    const options = buildOptions(
      { base: 'HEAD~1', provider: 'embedded', replicas: '0', gates: 'replay' },
      knownIds(),
      root,
    );
    expect(options.settings.migrationRole).toBe('superuser');
    const report = await runCheck(options, memoryLogger());
    expect(existsSync(marker)).toBe(false);
    expect(report.notes).toContain(
      '.schemagate.yml: this pull request changes migrationRole (admin at the base, superuser here); settings that decide what migration code may reach take effect once merged, so this run keeps admin',
    );
    expect(report.findings.map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line}`)).toEqual([
      'host-access blocker db/migrations/000002_audit_export.up.sql:3',
      'migration-failed blocker db/migrations/000002_audit_export.up.sql:3',
    ]);
  });

  it('a config file the PR adds counts as the defaults at the base', () => {
    const root = repo(
      undefined,
      'migrationRole: superuser\npassEnv: [GITHUB_TOKEN, SHOP_TENANT]\npython: /tmp/evil/python\n',
      '/nonexistent',
    );
    const options = buildOptions({ dir: 'db/migrations', base: 'HEAD~1' }, knownIds(), root);
    const { options: guarded, notes } = settingsFromBase(options, baseCommit(root));
    expect(guarded.settings.migrationRole).toBe('admin');
    expect(guarded.settings.passEnv).toEqual([]);
    expect(guarded.settings.python).toBeUndefined();
    expect(notes).toEqual([
      '.schemagate.yml: this pull request changes migrationRole (admin at the base, superuser here); settings that decide what migration code may reach take effect once merged, so this run keeps admin',
      '.schemagate.yml: this pull request changes passEnv ([] at the base, [GITHUB_TOKEN, SHOP_TENANT] here); settings that decide what migration code may reach take effect once merged, so this run keeps []',
      '.schemagate.yml: this pull request changes python (unset at the base, /tmp/evil/python here); settings that decide what migration code may reach take effect once merged, so this run keeps unset',
    ]);
  });

  it('a flag or Action input is the workflow’s own and wins', () => {
    const root = repo('{}\n', 'migrationRole: admin\n', '/nonexistent');
    const options = buildOptions(
      { dir: 'db/migrations', base: 'HEAD~1', migrationRole: 'superuser' },
      knownIds(),
      root,
    );
    const { options: guarded, notes } = settingsFromBase(options, baseCommit(root));
    expect(guarded.settings.migrationRole).toBe('superuser');
    expect(notes).toEqual([]);
  });

  it('a config file outside the repository is the workflow’s own and is not guarded', () => {
    const root = repo('{}\n', '{}\n', '/nonexistent');
    const outside = join(mkdtempSync(join(tmpdir(), 'sg-outside-')), 'ci.schemagate.yml');
    onTestFinished(() => rmSync(outside, { force: true }));
    writeFileSync(outside, 'migrationRole: superuser\n');
    const options = buildOptions(
      { dir: 'db/migrations', base: 'HEAD~1', config: outside },
      knownIds(),
      root,
    );
    const { options: guarded, notes } = settingsFromBase(options, baseCommit(root));
    expect(guarded.settings.migrationRole).toBe('superuser');
    expect(notes).toEqual([]);
  });

  it('a setting the base already has stays as it is', () => {
    const root = repo(
      'migrationRole: superuser\npassEnv: [SHOP_TENANT]\n',
      'migrationRole: superuser\npassEnv: [SHOP_TENANT]\n',
      '/nonexistent',
    );
    const options = buildOptions({ dir: 'db/migrations', base: 'HEAD~1' }, knownIds(), root);
    const { options: guarded, notes } = settingsFromBase(options, baseCommit(root));
    expect(guarded).toBe(options);
    expect(notes).toEqual([]);
  });

  it('keeps the base Postgres image when the PR changes the compose file or image:', () => {
    const compose = (image: string) =>
      `services:\n  db:\n    image: ${image}\n    environment:\n      POSTGRES_PASSWORD: postgres\n`;
    // The compose file is the base's; the PR points its Postgres service at another image.
    const { root, base } = baseThenPr(
      { 'docker-compose.yml': compose('pgvector/pgvector:pg17') },
      { 'docker-compose.yml': compose('attacker/postgres:17') },
    );
    const fromCompose = buildOptions({ dir: 'db/migrations', base }, knownIds(), root);
    expect(fromCompose.image).toEqual({
      name: 'attacker/postgres:17',
      source: 'docker-compose.yml service db',
    });
    const guarded = settingsFromBase(fromCompose, base);
    expect(guarded.options.image).toEqual({
      name: 'pgvector/pgvector:pg17',
      source: 'docker-compose.yml service db at the base',
    });
    expect(guarded.notes).toEqual([
      'docker-compose.yml service db: this pull request changes the Postgres image (pgvector/pgvector:pg17 at the base, attacker/postgres:17 here); the image the docker provider runs takes effect once merged, so this run keeps pgvector/pgvector:pg17',
    ]);
    // image: in the PR's config file, with none at the base: the base's compose image.
    writeFileSync(join(root, '.schemagate.yml'), 'image: attacker/postgres:17\n');
    writeFileSync(join(root, 'docker-compose.yml'), compose('pgvector/pgvector:pg17'));
    const fromConfig = buildOptions({ dir: 'db/migrations', base }, knownIds(), root);
    const kept = settingsFromBase(fromConfig, base);
    expect(kept.options.image?.name).toBe('pgvector/pgvector:pg17');
    expect(kept.notes).toEqual([
      '.schemagate.yml: this pull request changes the Postgres image (pgvector/pgvector:pg17 at the base, attacker/postgres:17 here); the image the docker provider runs takes effect once merged, so this run keeps pgvector/pgvector:pg17',
    ]);
    // The workflow's own --image is not the PR's to change, and is kept.
    const flagged = buildOptions(
      { dir: 'db/migrations', base, image: 'attacker/postgres:17' },
      knownIds(),
      root,
    );
    expect(settingsFromBase(flagged, base).options.image?.name).toBe('attacker/postgres:17');
  });

  it('keeps the image the base Dockerfile starts FROM when the PR changes that Dockerfile', () => {
    const { root, base } = baseThenPr(
      {
        'docker-compose.yml': 'services:\n  postgres:\n    build: ./docker/db\n',
        'docker/db/Dockerfile': 'FROM pgvector/pgvector:pg17\n',
      },
      { 'docker/db/Dockerfile': 'FROM attacker/postgres:17\n' },
    );
    const options = buildOptions({ dir: 'db/migrations', base }, knownIds(), root);
    expect(options.image).toEqual({
      name: 'attacker/postgres:17',
      source: 'docker-compose.yml service postgres, built FROM it in docker/db/Dockerfile',
    });
    const guarded = settingsFromBase(options, base);
    expect(guarded.options.image).toEqual({
      name: 'pgvector/pgvector:pg17',
      source: 'docker-compose.yml service postgres at the base',
    });
    expect(guarded.notes).toEqual([
      'docker-compose.yml service postgres, built FROM it in docker/db/Dockerfile: this pull request changes the Postgres image (pgvector/pgvector:pg17 at the base, attacker/postgres:17 here); the image the docker provider runs takes effect once merged, so this run keeps pgvector/pgvector:pg17',
    ]);
  });
});
