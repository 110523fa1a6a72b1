import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { discoverMigrations } from '../src/discover/index.js';
import { InputError } from '../src/core/errors.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, runFixture } from './helpers/run.js';
import { tempRepo } from './discover-support.js';

const ROOT = resolve('.');
const SAAS = 'fixtures/formats/prisma/saas/prisma/migrations';

beforeAll(initSqlParser);
const disposers: Array<() => void> = [];
afterAll(() => disposers.forEach((d) => d()));

describe('Prisma discovery', () => {
  it('recognises prisma/migrations and orders folders by timestamp', async () => {
    const d = await discoverMigrations(ROOT, SAAS, 'auto');
    expect(d.format).toBe('prisma');
    expect(d.reason).toBe(
      'found 3 Prisma migration folders {timestamp}_{name}/migration.sql and migration_lock.toml',
    );
    expect(d.notes).toEqual([
      'Prisma migrations have no down migrations: rollback is not replayed',
    ]);
    expect(d.findings).toEqual([]);
    expect(d.migrations.map((m) => [m.id, m.name, m.file, m.up.transaction, m.down])).toEqual([
      [
        '20240301101500_init',
        'init',
        `${SAAS}/20240301101500_init/migration.sql`,
        'implicit',
        undefined,
      ],
      [
        '20240318094210_add_invoices',
        'add_invoices',
        `${SAAS}/20240318094210_add_invoices/migration.sql`,
        'implicit',
        undefined,
      ],
      [
        '20240402163045_add_users_last_login',
        'add_users_last_login',
        `${SAAS}/20240402163045_add_users_last_login/migration.sql`,
        'implicit',
        undefined,
      ],
    ]);
    expect(d.migrations[0].up.statements.map((s) => [s.kind, s.line, s.endLine])).toEqual([
      ['CreateStmt', 2, 9],
      ['CreateStmt', 12, 19],
      ['IndexStmt', 22, 22],
      ['IndexStmt', 25, 25],
      ['AlterTableStmt', 28, 28],
    ]);
  });

  it('refuses a lock file for another provider, naming the file and line', async () => {
    await expect(
      discoverMigrations(ROOT, 'fixtures/formats/prisma/mysql/prisma/migrations', 'prisma'),
    ).rejects.toThrow(
      new InputError(
        'fixtures/formats/prisma/mysql/prisma/migrations/migration_lock.toml:3: provider is "mysql"; schemagate replays PostgreSQL migrations only (provider = "postgresql")',
      ),
    );
  });

  it('replays the new migration on real Postgres', async () => {
    const report = await runFixture(SAAS, { baseCount: 2 });
    expect(report.status).toBe('passed');
    expect(report.migrations.map((m) => [m.id, m.state])).toEqual([
      ['20240301101500_init', 'merged'],
      ['20240318094210_add_invoices', 'merged'],
      ['20240402163045_add_users_last_login', 'new'],
    ]);
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${SAAS}/20240402163045_add_users_last_login/migration.sql`,
        line: 2,
      },
      {
        gate: 'locks',
        rule: 'timestamp-without-time-zone',
        severity: 'warning',
        file: `${SAAS}/20240402163045_add_users_last_login/migration.sql`,
        line: 2,
      },
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
  });

  describe('a folder without migration.sql', () => {
    const INIT = 'CREATE TABLE "Survey" ("id" TEXT NOT NULL);\n';
    const repoWith = (files: Record<string, string>) => {
      const repo = tempRepo({
        'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
        'prisma/migrations/20240101000000_init/migration.sql': INIT,
        ...files,
      });
      disposers.push(repo.dispose);
      return repo.root;
    };

    it('passes over a data migration in code (migration.ts, or the built migration.js) with a note', async () => {
      const root = repoWith({
        'prisma/migrations/20240102000000_backfill/migration.js': 'module.exports = {};\n',
        'prisma/migrations/20240103000000_add_name/migration.sql':
          'ALTER TABLE "Survey" ADD COLUMN "name" TEXT;\n',
      });
      const d = await discoverMigrations(root, 'prisma/migrations', 'auto');
      expect(d.migrations.map((m) => m.id)).toEqual([
        '20240101000000_init',
        '20240103000000_add_name',
      ]);
      expect(d.notes).toEqual([
        'Prisma migrations have no down migrations: rollback is not replayed',
        "prisma/migrations: 1 migration folder(s) hold a migration.ts or .js and no migration.sql (20240102000000_backfill): data migrations the project's own runner runs in code (prisma migrate deploy fails on a folder without migration.sql); they are not replayed, so what they change is not checked",
      ]);
    });

    it.each([
      [
        'holds only other files',
        { 'prisma/migrations/20240102000000_draft/README.md': '# draft\n' },
      ],
      ['is empty', {}],
    ])('refuses a folder that %s, as prisma migrate deploy does', async (_, files) => {
      const root = repoWith(files);
      mkdirSync(join(root, 'prisma/migrations/20240102000000_draft'), { recursive: true });
      await expect(discoverMigrations(root, 'prisma/migrations', 'auto')).rejects.toThrow(
        new InputError(
          'prisma/migrations/20240102000000_draft: Prisma migration folder without migration.sql; prisma migrate deploy fails on it',
        ),
      );
    });
  });
});
