import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCheck } from '../src/check/check.js';
import { memoryLogger, silentLogger } from '../src/core/logger.js';
import type { Format, Migration } from '../src/core/model.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import type { Cluster } from '../src/provision/provider.js';
import { createToolTable, toolTableOid } from '../src/replay/tool-tables.js';
import { diagnoseSetupFailure } from '../src/check/setup-error.js';
import type { StatementTrace } from '../src/core/trace.js';
import { seedTables } from '../src/replay/seed.js';
import type { Report } from '../src/core/report.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderSarif } from '../src/report/sarif.js';
import { renderText } from '../src/report/text.js';
import { initSqlParser } from '../src/sql/split.js';
import { fixtureOptions, runFixture, type FixtureOverrides } from './helpers/run.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/**
 * A base that cannot be built (a merged migration fails) ends the run as a setup error, with
 * one diagnosis and no finding: production ran the merged history, the PR cannot fix it.
 */

beforeAll(() => initSqlParser());

/** A whole run that may end in an error (runFixture throws on those). */
async function check(dir: string, o: FixtureOverrides): Promise<Report> {
  return runCheck(fixtureOptions(dir, o), memoryLogger(), { mergedCount: o.baseCount });
}

const SUPABASE_REMEDY =
  '`preset: supabase` in .schemagate.yml: it creates what Supabase provides (the roles anon, authenticated, service_role, the auth, storage and extensions schemas, auth.users, auth.uid()) before the merged history.';

describe('a merged migration that fails is a setup error', () => {
  it('names the role a Supabase migration grants to, and the preset that creates it', async () => {
    const dir = 'fixtures/setup/supabase-role/supabase/migrations';
    // supabase/migrations chooses the preset by itself (src/config/preset.ts): turned off here.
    const report = await check(dir, {
      baseCount: 1,
      tenantCount: 2,
      settings: { preset: 'none' },
    });
    expect(report.status).toBe('error');
    expect(report.error).toEqual({
      message: `could not build the base: ${dir}/20240301120000_create_profiles.sql:8: role "authenticated" does not exist (SQLSTATE 42704) (a role the migrations expect to exist). Fix: ${SUPABASE_REMEDY}`,
      exitCode: 3,
    });
    expect(report.setupError).toEqual({
      file: `${dir}/20240301120000_create_profiles.sql`,
      line: 8,
      message: 'role "authenticated" does not exist (SQLSTATE 42704)',
      cause: 'missing-role',
      remedy: SUPABASE_REMEDY,
    });
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ blockers: 0, migrationsApplied: 0 });
    const step = report.steps.find((s) => s.action === 'replay merged');
    expect(step?.status).toBe('error');
    expect(report.steps.map((s) => s.action)).not.toContain('replay PR');
    expect(JSON.parse(renderSarif(report)).runs[0].results).toEqual([]);
  }, 60_000);

  it('says which placeholder a merged template statement lacks, although discovery reported it only on the merged file', async () => {
    const dir = 'fixtures/setup/merged-template/migrations';
    const report = await check(dir, { baseCount: 1, tenantCount: 1, format: 'plain' });
    expect(report.status).toBe('error');
    expect(report.setupError).toEqual({
      file: `${dir}/000001_create_jobs.sql`,
      line: 6,
      message: 'syntax error at or near "{" (SQLSTATE 42601)',
      cause: 'template-placeholder',
      remedy:
        'Give it the value the deploy renders it with: placeholders: { Schema: … } in .schemagate.yml.',
    });
    expect(report.findings).toEqual([]);
  }, 60_000);

  it("names the Spring profile that defines a merged script's Flyway placeholder, not flyway.conf", async () => {
    const dir = 'fixtures/setup/flyway-profile-placeholder/src/main/resources/db/migration';
    const report = await check(dir, { baseCount: 2, tenantCount: 1, gates: ['replay'] });
    expect(report.status).toBe('error');
    expect(report.setupError).toEqual({
      file: `${dir}/V2__fagsak_test_ekstern_id.sql`,
      line: 1,
      message: 'syntax error at or near "$" (SQLSTATE 42601)',
      cause: 'template-placeholder',
      remedy:
        "Give it the value production runs with (fixtures/setup/flyway-profile-placeholder/src/main/resources/application-prod.yml defines it for the Spring profile prod, which the check does not activate): flyway: { placeholders: { ignoreIfProd: ... } } in .schemagate.yml, or FLYWAY_PLACEHOLDERS_IGNOREIFPROD in the check's environment.",
    });
    expect(report.findings).toEqual([]);
  }, 60_000);

  it('names a missing schema-qualified table in the schema topology as a topology setting', async () => {
    const dir = 'fixtures/formats/drizzle/public-qualified/drizzle';
    const report = await check(dir, { baseCount: 1, tenantCount: 1, gates: ['replay'] });
    expect(report.setupError).toEqual({
      file: `${dir}/0000_init.sql`,
      line: 12,
      message: 'relation "public.accounts" does not exist (SQLSTATE 42P01)',
      cause: 'missing-object',
      remedy:
        'drizzle-kit qualifies every name with "public", and these migrations create accounts in the schema they run in, while this statement looks for it in public: with every tenant in one schema, use `--topology shared` (row-level security) or `--topology database`; the schema topology (each tenant\'s tables in its own schema) needs unqualified names.',
    });
    expect(report.findings).toEqual([]);
  }, 60_000);
});

describe('the cause of a merged failure, and its remedy', () => {
  const diagnose = (sqlstate: string, message: string, sql: string, format: Format = 'goose') => {
    const trace = {
      file: 'db/1_x.sql',
      line: 3,
      endLine: 3,
      migrationId: '1',
      error: { sqlstate, message },
    } as StatementTrace;
    const statement = { sql, file: 'db/1_x.sql', line: 3, endLine: 3, kind: 'X', ignores: [] };
    const options = fixtureOptions('db', {});
    const f = { trace, statement, findings: [], format, options, provider: 'embedded' };
    const { cause, remedy } = diagnoseSetupFailure({ ...f, postgresVersion: '18.4' });
    return [cause, remedy];
  };

  it("tells an object the Supabase preset lacks from one of another tool's auth schema", () => {
    // Not a Supabase project: auth.migrations is @djgrant/postgres-migrations' table (nhost).
    expect(
      diagnose(
        '42P01',
        'relation "auth.migrations" does not exist',
        "comment on table auth.migrations is 'Internal table for tracking migrations'",
      ),
    ).toEqual([
      'missing-object',
      '`preset: supabase` in .schemagate.yml: it creates what Supabase provides (the roles anon, authenticated, service_role, the auth, storage and extensions schemas, auth.users, auth.uid()) before the merged history, if this is a Supabase project; otherwise create relation auth.migrations with `setup: [path/to/init.sql]` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser), as the tool that owns schema auth makes it.',
    ]);
    // The preset is on: it made schema auth, not this table.
    const trace = {
      file: 'supabase/migrations/1_x.sql',
      line: 2,
      endLine: 2,
      migrationId: '1',
      error: { sqlstate: '42P01', message: 'relation "auth.flow_state" does not exist' },
    } as StatementTrace;
    const { cause, remedy } = diagnoseSetupFailure({
      trace,
      findings: [],
      format: 'plain',
      options: fixtureOptions('supabase/migrations', { settings: { preset: 'supabase' } }),
      provider: 'embedded',
      postgresVersion: '18.4',
    });
    expect([cause, remedy]).toEqual([
      'missing-object',
      "preset: supabase is on (preset: supabase) and creates what Supabase projects' migrations usually reference (auth.users, auth.identities, auth.sessions, auth.mfa_factors, storage.objects, …), not relation auth.flow_state: create relation auth.flow_state with `setup: [path/to/init.sql]` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser), as Supabase's services make it.",
    ]);
  });

  it('tells each cause apart', () => {
    expect(
      diagnose(
        '25001',
        'CREATE INDEX CONCURRENTLY cannot run inside a transaction block',
        'create index concurrently i on t (a)',
      ),
    ).toEqual([
      'transaction-directive',
      "the runner's no-transaction directive, `-- +goose NO TRANSACTION` at the top of the file; if production's runner is not goose, `transaction: none` in .schemagate.yml with `format: plain` (each statement on its own, as a runner without transactions runs them)",
    ]);
    expect(
      diagnose(
        '42703',
        'column "dirty" does not exist',
        'update goose_db_version set dirty = false',
      )[0],
    ).toBe('tool-table');
    expect(
      diagnose('3F000', 'schema "auth" does not exist', 'create table auth.x (id int)'),
    ).toEqual(['missing-object', SUPABASE_REMEDY]);
    expect(
      diagnose(
        '42883',
        'function auth.uid() does not exist',
        'create policy p on t using (auth.uid() = id)',
      )[1],
    ).toBe(SUPABASE_REMEDY);
    expect(
      diagnose('42704', 'type "vector" does not exist', 'create table t (e vector(3))'),
    ).toEqual([
      'missing-extension',
      'the embedded Postgres does not ship vector: use --provider docker with `image: pgvector/pgvector:pg18` (or the image your docker-compose file uses).',
    ]);
    expect(
      diagnose('42704', 'role "reporting" does not exist', 'grant select on t to reporting'),
    ).toEqual([
      'missing-role',
      "`setup: [path/to/init.sql]` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser): create role reporting there, as the script that prepares production's database does.",
    ]);
    expect(
      diagnose(
        '42501',
        'permission denied to create extension "dblink"',
        'create extension dblink',
      ),
    ).toEqual([
      'statement-failed',
      '`migrationRole: superuser` in .schemagate.yml: the migrations run here as a managed-platform-like admin, and production ran this one as a superuser.',
    ]);
  });
});

describe("the production tool's version table", () => {
  it('exists before the merged history, so a migration that alters it replays', async () => {
    const dir = 'fixtures/setup/tool-table/migrations';
    const report = await runFixture(dir, { baseCount: 2, tenantCount: 2 });
    expect(report.status).toBe('passed');
    expect(report.findings).toEqual([]);
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
    // Seeded like any table but the version table, which holds real versions.
    expect(report.notes.filter((n) => n.includes('schema_migrations'))).toEqual([]);
  }, 120_000);
});

describe('createToolTable', () => {
  let cluster: Cluster;
  let client: pg.Client;
  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    client = new pg.Client(cluster.primary);
    await client.connect();
  }, 60_000);
  afterAll(async () => {
    await client?.end();
    await cluster?.stop();
  });

  const merged = (ids: string[]): Migration[] =>
    ids.map(
      (id, i) =>
        ({
          id,
          name: `step_${i + 1}`,
          file: `db/V${id}__step_${i + 1}.sql`,
          checksum: 'ab'.repeat(32),
          journalWhen: { millis: 1_700_000_000_000 + i, file: 'meta/_journal.json', line: 1 },
          parents: i === 0 ? [] : [ids[i - 1]],
        }) as unknown as Migration,
    );

  /** Creates the table in schema `schema` (search path head) and reads it back. */
  async function made(format: Format, ids: string[]) {
    const schema = `t_${format.replace('-', '_')}`;
    await client.query(`create schema ${schema}; set search_path = ${schema}, public`);
    const name = await createToolTable(client, format, merged(ids));
    const where = name?.includes('.') ? name : `${schema}.${name}`;
    const columns = await client.query(
      `select string_agg(attname || ' ' || format_type(atttypid, atttypmod) || case when attnotnull then ' not null' else '' end, ', ' order by attnum) as c
       from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped`,
      [where],
    );
    return {
      where,
      columns: columns.rows[0].c as string,
      rows: (await client.query(`table ${where}`)).rows,
    };
  }

  it("makes each tool's table in the search path's first schema, holding the merged versions", async () => {
    const gm = await made('golang-migrate', ['1', '2', '3']);
    expect(gm).toEqual({
      where: 't_golang_migrate.schema_migrations',
      columns: 'version bigint not null, dirty boolean not null',
      rows: [{ version: '3', dirty: false }],
    });
    const goose = await made('goose', ['20240101120000', '20240102120000']);
    expect(goose.columns).toBe(
      'id integer not null, version_id bigint not null, is_applied boolean not null, tstamp timestamp without time zone not null',
    );
    expect(goose.rows.map((r) => r.version_id)).toEqual(['0', '20240101120000', '20240102120000']);
    const dbmate = await made('dbmate', ['20240101120000']);
    expect(dbmate).toEqual({
      where: 't_dbmate.schema_migrations',
      columns: 'version character varying(128) not null',
      rows: [{ version: '20240101120000' }],
    });
    const flyway = await made('flyway', ['1', '1.1']);
    expect(
      flyway.rows.map((r) => [
        r.installed_rank,
        r.version,
        r.description,
        r.type,
        r.script,
        r.success,
      ]),
    ).toEqual([
      [1, '1', 'step 1', 'SQL', 'V1__step_1.sql', true],
      [2, '1.1', 'step 2', 'SQL', 'V1.1__step_2.sql', true],
    ]);
    const prisma = await made('prisma', ['20240101120000_init']);
    expect(prisma.rows).toMatchObject([
      { checksum: 'ab'.repeat(32), migration_name: '20240101120000_init', applied_steps_count: 1 },
    ]);
    const drizzle = await made('drizzle', ['0000_init', '0001_next']);
    expect(drizzle.where).toBe('drizzle.__drizzle_migrations');
    expect(drizzle.rows).toEqual([
      { id: 1, hash: 'ab'.repeat(32), created_at: '1700000000000' },
      { id: 2, hash: 'ab'.repeat(32), created_at: '1700000000001' },
    ]);
    const alembic = await made('alembic', ['a1', 'b2']);
    expect(alembic).toEqual({
      where: 't_alembic.alembic_version',
      columns: 'version_num character varying(32) not null',
      rows: [{ version_num: 'b2' }],
    });
    expect(await createToolTable(client, 'plain', merged(['1']))).toBeUndefined();
  }, 60_000);

  it('is left out of the seed', async () => {
    await client.query('create schema seeded; set search_path = seeded');
    await createToolTable(client, 'dbmate', merged(['1']));
    await client.query('create table accounts (id int primary key)');
    const exclude = new Set([(await toolTableOid(client, 'dbmate'))!]);
    const result = await seedTables(client, ['seeded'], 10, silentLogger, exclude);
    expect(result.seeded).toEqual([{ table: 'seeded.accounts', rows: 10 }]);
    expect((await client.query('select version from seeded.schema_migrations')).rows).toEqual([
      { version: '1' },
    ]);
  }, 60_000);
});

describe('the CLI on a base it cannot build', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sg-setup-'));
  const repo = makeFixtureRepo(
    'fixtures/setup/missing-extension/base',
    'fixtures/setup/missing-extension/pr',
  );
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    repo.dispose();
  });

  it('exits 3 with the one diagnosis: the extension, and the image that has it', () => {
    const json = join(scratch, 'report.json');
    const md = join(scratch, 'report.md');
    const args = ['check', 'db/migrations', '--base', repo.base, '--provider', 'embedded'];
    const r = spawnSync(
      process.execPath,
      [join(process.cwd(), 'dist/cli.js'), ...args, '--json', json, '--markdown', md],
      {
        cwd: repo.root,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, SCHEMAGATE_PROGRESS: 'off' },
      },
    );
    const file = 'db/migrations/000001_create_documents.up.sql';
    const remedy =
      'the embedded Postgres does not ship vector: use --provider docker, which runs pgvector/pgvector:pg18, the image your docker-compose.yml uses.';
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `schemagate: error: could not build the base: ${file}:1: extension "vector" is not available (SQLSTATE 0A000) (an extension this Postgres does not have). Fix: ${remedy}\n`,
    );
    expect(r.status).toBe(3);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.status).toBe('error');
    expect(report.error?.exitCode).toBe(3);
    expect(report.setupError).toEqual({
      file,
      line: 1,
      message: 'extension "vector" is not available (SQLSTATE 0A000)',
      cause: 'missing-extension',
      remedy,
    });
    expect(report.findings).toEqual([]);
    expect(report.summary.migrationsApplied).toBe(0);
    const markdown = readFileSync(md, 'utf8');
    expect(markdown).toContain('## ❌ schemagate could not build the base');
    expect(markdown).toContain(`| where | \`${file}:1\` |`);
    expect(markdown).toContain(`| fix | ${remedy} |`);
    expect(markdown).not.toMatch(/blocked/i);
    const text = renderText(report);
    expect(text).toContain(`could not build the base\n  ${file}:1\n`);
    expect(text).not.toMatch(/BLOCKED/);
    expect(renderMarkdown(report)).toBe(markdown);
  }, 120_000);
});
