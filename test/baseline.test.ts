import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions, runFixture, type FixtureOverrides } from './helpers/run.js';
import { checkTwoCommits } from './helpers/two-commits.js';

const APP = 'fixtures/baseline/app/migrations';
const PG15 = 'fixtures/baseline/app/pg15-tenants.sql';
const PG18 = 'fixtures/baseline/app/pg18-shape-tenants.sql';
const PR = `${APP}/000004_users_locale.up.sql`;

/** The PR's findings when the base is right: the ALTER TABLE on a pre-existing table. */
const LOCK_WARNING = {
  gate: 'locks',
  rule: 'missing-lock-timeout',
  severity: 'warning',
  file: PR,
  line: 1,
};

const check = (settings: FixtureOverrides['settings']) =>
  runFixture(APP, { baseCount: 3, replicas: 0, settings });

/** A run that ends in an error: its report, not a thrown error. */
async function failing(settings: FixtureOverrides['settings']) {
  await initSqlParser();
  const options = fixtureOptions(APP, { replicas: 0, settings });
  return runCheck(options, memoryLogger(), { mergedCount: 3 });
}

describe('baseline: a schema dump instead of the merged history', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sg-baseline-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('loads a pg_dump 15 dump and replays the merged migrations its version table lacks', async () => {
    const report = await check({ baseline: PG15 });
    expect(report.status).toBe('passed');
    expect(report.topology.tenants).toEqual(['tenant_1', 'tenant_2']);
    expect(report.topology.base).toEqual({ kind: 'dump', path: PG15 });
    expect(report.notes).toEqual([
      `baseline: loaded 77 statement(s) of ${PG15}; statements naming role(s) this server lacks were not run (app_reader; create them in setup: to check their grants)`,
      "tenant_1, tenant_2: the baseline holds 2 of 3 merged migration(s) (up to 000002), from the dump's schema_migrations (1 row(s)); 000003 replayed on top",
    ]);
    expect(report.steps.find((s) => s.action === 'replay merged')?.details).toBe(
      `the baseline ${PG15} and 1 of 3 merged migration(s) on top on 2 tenant(s) of sg_base, seeded 200 rows per table`,
    );
    // The PR comments on users.name, which only the replayed 000003 adds.
    expect(brief(report.findings)).toEqual([LOCK_WARNING]);
  });

  it('loads a dump in the shape pg_dump 17 and 18 write, its schemas as the tenants', async () => {
    const text = readFileSync(PG18, 'utf8');
    expect(text).toMatch(/^\\restrict \w+$/m);
    expect(text).toContain('SET transaction_timeout = 0;');
    const report = await check({ baseline: PG18 });
    expect(report.status).toBe('passed');
    expect(report.topology.tenants).toEqual(['acme', 'globex']);
    expect(report.notes[1]).toBe(
      "acme, globex: the baseline holds 2 of 3 merged migration(s) (up to 000002), from the dump's schema_migrations (1 row(s)); 000003 replayed on top",
    );
    expect(brief(report.findings)).toEqual([LOCK_WARNING]);
  });

  it('takes baselineVersion when the dump has no version rows, and else holds every merged one', async () => {
    const schemaOnly = join(scratch, 'schema-only.sql');
    const text = readFileSync(PG15, 'utf8');
    writeFileSync(schemaOnly, text.slice(0, text.indexOf('Data for Name: schema_migrations') - 4));
    const versioned = await check({ baseline: schemaOnly, baselineVersion: '2' });
    expect(versioned.notes[1]).toBe(
      'tenant_1, tenant_2: the baseline holds 2 of 3 merged migration(s) (up to 000002), from baselineVersion: 2; 000003 replayed on top',
    );
    expect(brief(versioned.findings)).toEqual([LOCK_WARNING]);
    // Taken to hold 000003 too, which the dump lacks: the PR's comment on users.name fails.
    const assumed = await check({ baseline: schemaOnly });
    expect(assumed.notes[1]).toBe(
      'tenant_1, tenant_2: the baseline holds 3 of 3 merged migration(s) (up to 000003), from no version table rows and no baselineVersion: the dump is taken to hold every merged migration',
    );
    const failed = assumed.findings.filter((f) => f.severity === 'blocker');
    expect(brief(failed)).toEqual([
      { gate: 'replay', rule: 'migration-failed', severity: 'blocker', file: PR, line: 3 },
    ]);
    expect(failed[0].message).toBe(
      `${PR}:3: column "name" of relation "users" does not exist (SQLSTATE 42703) on every tenant (tenant_1, tenant_2)`,
    );
  });

  it('names a merged migration the version table lacks below its version, and replays those above', async () => {
    const dir = 'fixtures/baseline/goose/migrations';
    const report = await runFixture(dir, {
      baseCount: 4,
      replicas: 0,
      settings: { baseline: 'fixtures/baseline/goose/structure.sql' },
    });
    expect(report.topology.tenants).toEqual(['tenant_1']);
    expect(report.notes).toEqual([
      'baseline: loaded 22 statement(s) of fixtures/baseline/goose/structure.sql',
      "the baseline holds 2 of 4 merged migration(s) (up to 00003), from the dump's goose_db_version (3 row(s)); 00004 replayed on top",
      `the baseline lacks merged migration(s) 00002 (${dir}/00002_audit.sql), older than its version 00003: production never ran them; not replayed`,
    ]);
    expect(report.status).toBe('passed');
    expect(brief(report.findings)).toEqual([
      { ...LOCK_WARNING, file: `${dir}/00005_users_locale.sql`, line: 2 },
    ]);
  });

  it("reads dbmate's db/schema.sql as the base has it, and checks that one-application dump in the database topology", async () => {
    // As a user runs it: no topology setting; the PR updates db/schema.sql as dbmate does.
    const report = await checkTwoCommits(
      'fixtures/baseline/dbmate-app',
      { dir: 'db/migrations' },
      { baseline: 'db/schema.sql' },
    );
    expect(report.error).toBeUndefined();
    expect(report.topology.kind).toBe('database');
    expect(report.notes.slice(0, 4)).toEqual([
      "baseline: db/schema.sql read as the base commit has it (this pull request changes it; production has the base's)",
      'topology: database, as the baseline db/schema.sql holds no schema besides public, so it is checked as production runs it, one database (set topology: to choose another)',
      'baseline: loaded 24 statement(s) of db/schema.sql',
      "the baseline holds 2 of 2 merged migration(s) (up to 20240201000000), from the dump's schema_migrations (2 row(s))",
    ]);
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.status).toBe('passed');
    expect(brief(report.findings)).toEqual([]);
  });

  it('ends with exit 2 on a missing or unparseable dump and an unknown baselineVersion', async () => {
    const missing = await failing({ baseline: 'fixtures/baseline/app/nope.sql' });
    expect(missing.error).toEqual({
      message: 'baseline: fixtures/baseline/app/nope.sql does not exist',
      exitCode: 2,
    });
    const custom = join(scratch, 'custom.dump');
    writeFileSync(
      custom,
      'PGDMP\u0001\u000e\u0000\u0004\u0008\u0001\u0001\u0001\u0000\u0000\u0000\u0000',
    );
    const binary = await failing({ baseline: custom });
    expect(binary.error?.exitCode).toBe(2);
    expect(binary.error?.message).toBe(
      `baseline: ${custom} is a pg_dump archive (-Fc/-Ft); the baseline is plain SQL: pg_dump --schema-only -f ${join(scratch, 'custom')}.sql, or pg_restore -f out.sql ${custom}`,
    );
    const garbage = join(scratch, 'garbage.sql');
    writeFileSync(garbage, 'CREATE TABLE t (id int);\nthis is not sql;\n');
    const unparsed = await failing({ baseline: garbage });
    expect(unparsed.error).toEqual({
      message: `baseline: ${garbage}:2: syntax error at or near "this" (line 2); the baseline must be a plain-text dump (pg_dump --schema-only, without -Fc)`,
      exitCode: 2,
    });
    const schemaOnly = join(scratch, 'no-rows.sql');
    const text = readFileSync(PG15, 'utf8');
    writeFileSync(schemaOnly, text.slice(0, text.indexOf('Data for Name: schema_migrations') - 4));
    const unknown = await failing({ baseline: schemaOnly, baselineVersion: '7' });
    expect(unknown.error).toEqual({
      message: 'baselineVersion: 7 is none of the merged migrations (000001, 000002, 000003)',
      exitCode: 2,
    });
  });

  it('reports a dump that does not load as a setup error at its line', async () => {
    const broken = join(scratch, 'broken.sql');
    writeFileSync(
      broken,
      [
        'SET client_min_messages = warning;',
        'CREATE SCHEMA tenant_1;',
        'CREATE SCHEMA tenant_2;',
        'CREATE TABLE tenant_1.users (id bigint, email public.citext);',
        '',
      ].join('\n'),
    );
    const report = await failing({ baseline: broken });
    expect(report.status).toBe('error');
    expect(report.setupError).toEqual({
      file: broken,
      line: 4,
      message: 'type "public.citext" does not exist (SQLSTATE 42704)',
      cause: 'statement-failed',
      remedy:
        'the baseline dump must load on an empty database of this Postgres: dump it with pg_dump --schema-only (or schemagate snapshot), and put what it needs from outside the dump (roles, extensions) in setup:',
    });
    expect(report.findings).toEqual([]);
    const extension = join(scratch, 'extension.sql');
    writeFileSync(
      extension,
      'CREATE SCHEMA tenant_1;\nCREATE EXTENSION IF NOT EXISTS pg_graphql WITH SCHEMA public;\n',
    );
    const missing = await failing({ baseline: extension });
    expect(missing.setupError?.cause).toBe('missing-extension');
    expect(missing.setupError?.line).toBe(2);
    expect(missing.setupError?.message).toBe(
      'extension "pg_graphql" is not available (SQLSTATE 0A000)',
    );
  });
});
