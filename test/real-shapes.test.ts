import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { composeImage } from '../src/config/image.js';
import { memoryLogger } from '../src/core/logger.js';
import type { Report } from '../src/core/report.js';
import { initSqlParser } from '../src/sql/split.js';
import { fixtureOptions, type FixtureOverrides } from './helpers/run.js';

/**
 * Shapes real projects' histories have that a new user meets with no setting: migrations that
 * write one named schema, a catalog lookup by table name, a schema made by an init script the
 * check cannot run or by an SQL file outside the migrations, a Postgres image named only in a
 * per-environment compose file. Each either reaches the gates by itself or ends as a setup error
 * whose remedy names the repository's own file.
 */

beforeAll(() => initSqlParser());

const FIXTURES = resolve('fixtures/real-shapes');

/** A whole run of a fixture repository (`root` under fixtures/real-shapes), nothing configured. */
async function check(root: string, dir: string, o: FixtureOverrides): Promise<Report> {
  const options = fixtureOptions(dir, {
    repoRoot: `${FIXTURES}/${root}`,
    topologyDefault: true,
    ...o,
  });
  return runCheck(options, memoryLogger(), { mergedCount: o.baseCount });
}

describe('with no topology chosen', () => {
  it('checks migrations that write one named schema in the database topology', async () => {
    const report = await check('named-schema', 'db/migrations', { baseCount: 3, tenantCount: 2 });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.topology.kind).toBe('database');
    expect(report.notes).toContain(
      'topology: database, as the migrations name schema billing on their tables (5 of 5 statements), so a schema per tenant cannot hold them (set topology: to choose another)',
    );
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
  }, 120_000);

  it('checks migrations that look a table up in the catalog by name alone in the database topology', async () => {
    const report = await check('catalog-lookup', 'schema', { baseCount: 2, tenantCount: 2 });
    expect(report.error).toBeUndefined();
    expect(report.topology.kind).toBe('database');
    expect(report.notes).toContain(
      "topology: database, as the migrations look a table up in the catalog by its name alone (information_schema.tables by table_name at schema/migration-1-0000.sql:6), which in one database finds the table another tenant's schema holds, so a schema per tenant cannot run them (set topology: to choose another)",
    );
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
    expect(report.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  }, 120_000);

  it('still replays them per tenant schema when the topology is set', async () => {
    const report = await check('catalog-lookup', 'schema', {
      baseCount: 2,
      tenantCount: 2,
      topologyDefault: false,
    });
    expect(report.status).toBe('error');
    expect(report.setupError).toMatchObject({
      file: 'schema/migration-1-0001.sql',
      cause: 'statement-failed',
      message: 'relation "schema_version" does not exist (SQLSTATE 42P01)',
    });
  }, 120_000);
});

describe('a schema the merged history expects, made outside the migrations', () => {
  it('names the compose file shell init script that creates it', async () => {
    const report = await check('compose-shell-init', 'db/migrations', { baseCount: 2 });
    expect(report.status).toBe('error');
    expect(report.error?.exitCode).toBe(3);
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'db/migrations/20240101000000_create_apps.sql',
      line: 2,
      message: 'schema "telemetry" does not exist (SQLSTATE 3F000)',
      cause: 'missing-object',
      remedy:
        'compose.yml mounts db/init-db.sh into /docker-entrypoint-initdb.d, a shell script schemagate does not run, and it creates schema telemetry: put its SQL in a .sql file and list that in `setup:` in .schemagate.yml (an ALTER DATABASE … SET search_path there is followed: name the database as POSTGRES_DB does, or with current_database() in a DO block).',
    });
    expect(report.notes).toContain(
      'compose.yml: db/init-db.sh not run (shell scripts are not run; put the SQL in a .sql file or list it in setup:)',
    );
  }, 120_000);

  it('reaches the gates with that SQL as the one setting', async () => {
    const report = await check('compose-shell-init', 'db/migrations', {
      baseCount: 2,
      settings: { setup: ['db/init-db.sql'] },
    });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.topology.kind).toBe('database');
    expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
  }, 120_000);

  it('names the SQL file of the repository that creates it, and that file as setup reaches the gates', async () => {
    const bare = await check('init-sql-elsewhere', 'migrations', { baseCount: 1 });
    expect(bare.status).toBe('error');
    expect(bare.setupError).toEqual({
      file: 'migrations/00_init_identity.up.sql',
      line: 1,
      message: 'schema "identity" does not exist (SQLSTATE 3F000)',
      cause: 'missing-object',
      remedy:
        "`setup: [hack/init_postgres.sql]` in .schemagate.yml: hack/init_postgres.sql creates schema identity, and production's server ran it before the migrations (setup runs it before the merged history).",
    });
    const set = await check('init-sql-elsewhere', 'migrations', {
      baseCount: 1,
      settings: { setup: ['hack/init_postgres.sql'] },
    });
    expect(set.error).toBeUndefined();
    expect(set.status).toBe('passed');
    expect(set.summary).toMatchObject({ migrationsApplied: 1 });
  }, 120_000);
});

describe('an extension the image of a per-environment compose file has', () => {
  it('is diagnosed on the embedded provider with that image, which the docker provider runs', async () => {
    const report = await check('compose-variant-image', 'db/migrations', { baseCount: 2 });
    expect(report.status).toBe('error');
    expect(report.setupError).toEqual({
      file: 'db/migrations/0002_embeddings.sql',
      line: 1,
      message: 'extension "vector" is not available (SQLSTATE 0A000)',
      cause: 'missing-extension',
      remedy:
        'the embedded Postgres does not ship vector: use --provider docker, which runs pgvector/pgvector:pg17, the image your docker-compose.local.yml uses.',
    });
    expect(composeImage(`${FIXTURES}/compose-variant-image`)).toEqual({
      file: 'docker-compose.local.yml',
      service: 'db',
      declared: 'pgvector/pgvector:pg17',
      image: 'pgvector/pgvector:pg17',
    });
  }, 120_000);
});
