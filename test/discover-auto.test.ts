import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import type { Format } from '../src/core/model.js';
import { discoverMigrations, usualMigrationFolder } from '../src/discover/index.js';
import { tempRepo } from './discover-support.js';

const root = process.cwd();
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

async function inputError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).exitCode).toBe(2);
  return (error as InputError).message;
}

describe('format auto-detection', () => {
  it.each([
    ['golang-migrate', 'found 14 files named {version}_{title}.up.sql or .down.sql'],
    ['flyway', 'found 15 files named V{version}__{description}.sql or R__{description}.sql'],
    ['goose', 'found 7 .sql files with a "-- +goose Up" annotation'],
    ['dbmate', 'found 7 .sql files with a "-- migrate:up" section in db/migrations'],
    ['plain', 'found 6 .sql files, applied in file-name order'],
  ])('recognises the %s fixture', async (format, reason) => {
    const d = await discoverMigrations(root, `fixtures/formats/${format}`, 'auto');
    expect([d.format, d.reason]).toEqual([format, reason]);
  });

  it('accepts an absolute directory and reports paths relative to the repository', async () => {
    const d = await discoverMigrations(root, join(root, 'fixtures/formats/goose'), 'auto');
    expect(d.migrations[0].file).toBe('fixtures/formats/goose/00001_create_plans.sql');
  });
});

describe('bad input', () => {
  it('names a missing directory', async () => {
    expect(await inputError(discoverMigrations(root, 'fixtures/nowhere', 'auto'))).toBe(
      'migration directory fixtures/nowhere does not exist',
    );
  });

  it('names a path that is a file, not a directory', async () => {
    expect(await inputError(discoverMigrations(root, 'package.json', 'auto'))).toBe(
      'package.json is not a directory',
    );
  });

  it('reads plain files with .down.sql companions as plain, not golang-migrate', async () => {
    const repo = tempRepo({
      'db/sql/001_accounts.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n',
      'db/sql/001_accounts.down.sql': 'DROP TABLE accounts;\n',
      'db/sql/002_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'db/sql', 'auto');
    expect(d.format).toBe('plain');
    expect(d.migrations.map((m) => [m.id, m.down?.file])).toEqual([
      ['001_accounts', 'db/sql/001_accounts.down.sql'],
      ['002_users', undefined],
    ]);
  });

  it('names an empty directory', async () => {
    const repo = tempRepo({});
    dispose = repo.dispose;
    mkdirSync(join(repo.root, 'db'));
    expect(await inputError(discoverMigrations(repo.root, 'db', 'auto'))).toBe(
      'migration directory db is empty',
    );
  });

  it('lists what it looked for when nothing is recognised', async () => {
    const repo = tempRepo({ 'db/README.md': '# migrations go here\n' });
    dispose = repo.dispose;
    const message = await inputError(discoverMigrations(repo.root, 'db', 'auto'));
    // other formats register themselves too; these are the file-based ones, in priority order
    expect(message.startsWith('no migrations recognised in db; expected one of: ')).toBe(true);
    const expected = [
      'golang-migrate ({version}_{title}.up.sql (and optional .down.sql))',
      'flyway (V{version}__{description}.sql (U… undo, R__… repeatable))',
      'goose ({version}_{name}.sql with "-- +goose Up" / "-- +goose Down" annotations)',
      'dbmate ({version}_{name}.sql with "-- migrate:up" / "-- migrate:down" sections)',
      'plain (.sql files applied in file-name order)',
    ];
    const positions = expected.map((e) => message.indexOf(e));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(message.endsWith('plain (.sql files applied in file-name order)')).toBe(true);
  });

  it('names the usual folder below that holds migrations, and how to check it', async () => {
    const repo = tempRepo({
      'README.md': '# service\n',
      'go.mod': 'module example.com/service\n',
      'migrations/000001_create_users.up.sql': 'create table users (id bigint primary key);\n',
      'migrations/000001_create_users.down.sql': 'drop table users;\n',
      'internal/db/migrations/20240101000000_audit.sql':
        '-- +goose Up\ncreate table audit (id bigint);\n-- +goose Down\ndrop table audit;\n',
    });
    dispose = repo.dispose;
    expect(await inputError(discoverMigrations(repo.root, '.', 'auto'))).toBe(
      'no migrations recognised in ., but migrations holds golang-migrate migrations, internal/db/migrations holds goose migrations: run schemagate check migrations (or set migrations: migrations in .schemagate.yml)',
    );
  });

  it('picks the one usual folder below that holds migrations, passing over loose .sql files', async () => {
    const up = 'create table users (id bigint primary key);\n';
    const repo = tempRepo({
      'README.md': '# service\n',
      'init.sql': 'create role app;\n',
      'db/migrations/000001_create_users.up.sql': up,
      'db/migrations/000001_create_users.down.sql': 'drop table users;\n',
      'scripts/seed.sql': 'insert into users values (1);\n',
    });
    dispose = repo.dispose;
    expect(await usualMigrationFolder(repo.root, '.')).toEqual({
      dir: 'db/migrations',
      format: 'golang-migrate',
      loose: true,
    });
    // The folder itself holds migrations: nothing to pick.
    expect(await usualMigrationFolder(repo.root, 'db/migrations')).toBeUndefined();
  });

  it('picks no folder when none or several below hold migrations', async () => {
    const repo = tempRepo({
      'migrations/000001_create_users.up.sql': 'create table users (id bigint primary key);\n',
      'supabase/migrations/20240101000000_init.sql': 'create table notes (id bigint);\n',
      'docs/README.md': '# docs\n',
    });
    dispose = repo.dispose;
    expect(await usualMigrationFolder(repo.root, '.')).toBeUndefined();
    expect(await usualMigrationFolder(repo.root, 'docs')).toBeUndefined();
    expect(await usualMigrationFolder(repo.root, 'missing')).toBeUndefined();
  });

  it('says when the chosen format finds nothing', async () => {
    expect(
      await inputError(discoverMigrations(root, 'fixtures/formats/golang-migrate', 'flyway')),
    ).toBe(
      'no flyway migrations in fixtures/formats/golang-migrate: expected V{version}__{description}.sql (U… undo, R__… repeatable)',
    );
  });

  it('rejects an unknown format name', async () => {
    expect(
      await inputError(discoverMigrations(root, 'fixtures/formats/plain', 'liquibase' as Format)),
    ).toBe(
      'unknown migration format "liquibase"; expected auto or one of golang-migrate, goose, dbmate, flyway, plain, prisma, drizzle, sqlc, alembic',
    );
  });

  it('rejects a binary migration file with the line of its NUL byte', async () => {
    expect(await inputError(discoverMigrations(root, 'fixtures/broken/binary', 'auto'))).toBe(
      'fixtures/broken/binary/000002_add_logo.up.sql: binary file (NUL byte on line 3); a migration must be UTF-8 text',
    );
  });

  it('rejects a file that is not UTF-8 with the line of the first bad byte', async () => {
    const repo = tempRepo({
      'db/1_a.sql': Buffer.concat([
        Buffer.from("-- café\nSELECT 'ok';\nSELECT '"),
        Buffer.from([0x63, 0x61, 0x66, 0xe9]), // latin-1 "café"
        Buffer.from("';\n"),
      ]),
    });
    dispose = repo.dispose;
    expect(await inputError(discoverMigrations(repo.root, 'db', 'plain'))).toBe(
      'db/1_a.sql: not valid UTF-8 (line 3); save the migration as UTF-8',
    );
  });

  it('names a migration file it cannot read', async () => {
    const repo = tempRepo({ 'db/1_a.up.sql': 'SELECT 1;' });
    dispose = repo.dispose;
    symlinkSync(join(repo.root, 'db/missing.sql'), join(repo.root, 'db/2_b.up.sql'));
    expect(await inputError(discoverMigrations(repo.root, 'db', 'auto'))).toBe(
      'cannot read migration file db/2_b.up.sql: no such file (a broken symbolic link?)',
    );
  });
});
