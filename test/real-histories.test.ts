/**
 * Histories in the shape public projects keep them, replayed on embedded Postgres: a Flyway
 * baseline migration that replaced the squashed versions (eclipse-hawkbit), a catalog lookup by
 * table name alone that only one tenant of the schema topology passes (cardano-db-sync), a goose
 * Go migration a later SQL file depends on (hatchet), a Prisma migration that opens its own
 * REPEATABLE READ transaction (langfuse), a Supabase project's policy on Realtime's
 * realtime.messages and a trigger broadcasting through realtime.broadcast_changes (onlook), and
 * Alembic revisions kept per dialect, chosen by env.py (prefect), and rubenv/sql-migrate files
 * that hold their up and down in one file (nakama).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { resolveSettings } from '../src/config/settings.js';
import { memoryLogger } from '../src/core/logger.js';
import { findPython } from '../src/discover/alembic/python.js';
import { discoverMigrations } from '../src/discover/index.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions } from './helpers/run.js';
import { alembicTool, runsWith } from './helpers/tools.js';

const fixture = (name: string) => resolve('fixtures/real', name);

async function check(name: string, dir: string, mergedCount: number, o = {}) {
  await initSqlParser();
  const options = fixtureOptions(dir, { repoRoot: fixture(name), gates: ['replay'], ...o });
  return runCheck(options, memoryLogger(), { mergedCount });
}

describe('a Flyway baseline migration that replaced the squashed versions', () => {
  const DIR = 'db/migration/POSTGRESQL';

  it('starts the base from it, as Flyway starts a new database', async () => {
    await initSqlParser();
    const d = await discoverMigrations(fixture('hawkbit-flyway-baseline'), DIR, 'auto');
    expect(d.migrations.map((m) => [m.id, m.file])).toEqual([
      ['1.20.0', `${DIR}/B1_20_0__1.0.0_baseline__POSTGRESQL.sql`],
      ['1.20.1', `${DIR}/V1_20_1__spring_boot_4__POSTGRESQL.sql`],
      ['1.20.2', `${DIR}/V1_20_2__action_rollout_indexes__POSTGRESQL.sql`],
    ]);
    expect(d.notes).toEqual([
      `${DIR}/B1_20_0__1.0.0_baseline__POSTGRESQL.sql is a baseline migration and no versioned migration up to version 1.20.0 is here: Flyway starts a new database from it, and so does this check`,
    ]);
  });

  it('replays the PR on it', async () => {
    const report = await check('hawkbit-flyway-baseline', DIR, 2);
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
  });
});

describe('a plain history that looks a table up by name alone', () => {
  it('fails on tenant_2 only, and the remedy is topology: database', async () => {
    const report = await check('cardano-catalog-lookup', 'schema', 2);
    expect(report.error?.exitCode).toBe(3);
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'schema/migration-1-0001-20190730.sql',
      line: 18,
      message: 'relation "schema_version" does not exist (SQLSTATE 42P01)',
      cause: 'statement-failed',
      remedy:
        "`topology: database` (or `topology: shared`) in .schemagate.yml: it failed on tenant_2 but not on tenant_1, which replayed the same history before it. In the schema topology every tenant is a schema of one database, so tenant_2 meets what tenant_1 made there (a check of the catalog by table name alone, such as information_schema.tables, finds tenant_1's table); tenants of these migrations are not schemas.",
    });
  });

  it('replays on topology: database', async () => {
    const report = await check('cardano-catalog-lookup', 'schema', 2, { topology: 'database' });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
  });
});

describe('a goose Go migration that a later SQL migration depends on', () => {
  it('names the Go migration, and baseline: as the remedy', async () => {
    const dir = 'cmd/hatchet-migrate/migrate/migrations';
    const report = await check('hatchet-go-migration', dir, 2);
    expect(report.error?.exitCode).toBe(3);
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: `${dir}/20260424205453_v1_0_100.sql`,
      line: 4,
      message: 'relation "v1_dags_olap_new" does not exist (SQLSTATE 42P01)',
      cause: 'missing-object',
      remedy: `${dir}/20260424190713_v1_0_99.go, a Go migration goose ran before this file, names relation v1_dags_olap_new: it runs compiled into the application and cannot be replayed from files, so what it makes is missing here. Start from production's schema with \`baseline: path/to/schema.sql\` in .schemagate.yml (\`pg_dump --schema-only\` of a database migrated to the base branch; the merged migrations its version table lacks replay on top), or create it with \`setup: [path/to/init.sql]\` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser).`,
    });
  });
});

describe('a Prisma migration that opens its own REPEATABLE READ transaction', () => {
  it('applies: SET TRANSACTION is the first query of its transaction', async () => {
    const report = await check('langfuse-prisma-isolation', 'packages/shared/prisma/migrations', 1);
    expect(report.error).toBeUndefined();
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
    expect(report.status).toBe('passed');
  });
});

describe('a Supabase project that authorises Realtime broadcasts', () => {
  it('replays its policy on realtime.messages with the preset', async () => {
    const report = await check('onlook-supabase-realtime', 'apps/backend/supabase/migrations', 1, {
      topology: 'shared',
    });
    expect(report.error).toBeUndefined();
    expect(report.setupError).toBeUndefined();
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'preset supabase (apps/backend/supabase/config.toml exists): created roles anon',
        ),
      ]),
    );
  });
});

describe('sql-migrate files with -- +migrate Up and Down sections', () => {
  const DIR = 'migrate/sql';

  it('reads the Up section as the migration and the Down section as its down', async () => {
    await initSqlParser();
    const d = await discoverMigrations(fixture('nakama-sql-migrate'), DIR, 'auto');
    expect(d.format).toBe('plain');
    expect(d.reason).toBe(
      `found 3 .sql files, applied in file-name order (3 with sql-migrate's "-- +migrate Up" section)`,
    );
    const last = d.migrations[2];
    expect(last.up.statements.map((s) => [s.kind, s.line])).toEqual([
      ['CreateExtensionStmt', 2],
      ['TransactionStmt', 4],
      ['IndexStmt', 6],
      ['TransactionStmt', 7],
    ]);
    expect(last.down?.statements.map((s) => [s.kind, s.line])).toEqual([['DropStmt', 10]]);
    expect(d.migrations[0].up.statements.map((s) => s.kind)).toEqual(['CreateStmt']);
  });

  it('replays the merged history and the PR, and rolls the PR back', async () => {
    const report = await check('nakama-sql-migrate', DIR, 2, { gates: ['replay', 'rollback'] });
    expect(report.error).toBeUndefined();
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
    expect(report.status).toBe('passed');
  });
});

describe('sql-migrate files with several Up sections, one of them notransaction', () => {
  it('joins the sections of a direction; notransaction on one applies to all', async () => {
    await initSqlParser();
    const d = await discoverMigrations(fixture('convoy-sql-migrate'), 'sql', 'auto');
    expect(d.migrations.map((m) => [m.id, m.up.transaction, m.down?.transaction])).toEqual([
      ['1677078479', 'transaction', 'transaction'],
      ['1677770163', 'none', 'none'],
    ]);
    expect(d.migrations[0].up.statements.map((s) => [s.kind, s.line])).toEqual([
      ['CreateSchemaStmt', 2],
      ['CreateStmt', 5],
    ]);
    expect(d.migrations[1].up.statements.map((s) => [s.kind, s.line])).toEqual([
      ['VariableSetStmt', 2],
      ['VariableSetStmt', 3],
      ['IndexStmt', 5],
      ['IndexStmt', 8],
    ]);
  });

  it('replays CREATE INDEX CONCURRENTLY in a notransaction file', async () => {
    const report = await check('convoy-sql-migrate', 'sql', 1, { topology: 'database' });
    expect(report.error).toBeUndefined();
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
  });
});

const withAlembic = runsWith(alembicTool(), 'Alembic revisions kept per dialect');

describe.runIf(withAlembic)('Alembic revisions kept per dialect, chosen by env.py', () => {
  it('reads versions/postgresql and renders its SQL', async () => {
    await initSqlParser();
    const dir = 'src/prefect/server/database/_migrations';
    const settings = resolveSettings({ python: findPython(undefined) });
    const d = await discoverMigrations(fixture('prefect-alembic-dialects'), dir, 'auto', settings);
    expect(d.format).toBe('alembic');
    expect(d.reason).toBe('found env.py and 2 Alembic revision files in versions/postgresql/');
    expect(d.migrations.map((m) => [m.id, m.file])).toEqual([
      [
        '25f4b90a7a42',
        `${dir}/versions/postgresql/2021_01_20_122127_25f4b90a7a42_initial_migration.py`,
      ],
      [
        '9e9dadc36797',
        `${dir}/versions/postgresql/2026_08_20_000000_9e9dadc36797_add_flow_run_deployment_id_index.py`,
      ],
    ]);
    expect(d.migrations[1].up.statements.map((s) => s.sql)).toEqual([
      'CREATE INDEX ix_flow_run__deployment_id ON flow_run (deployment_id)',
    ]);
  });
});
