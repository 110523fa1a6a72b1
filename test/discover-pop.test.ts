import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { discoverMigrations } from '../src/discover/index.js';
import { createToolTable } from '../src/replay/tool-tables.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { brief, runFixture } from './helpers/run.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/pop';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('ory/pop layout (Kratos, Hydra, Keto)', () => {
  it('keeps per version the .postgres. file, else the one without a dialect, ordered as text', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('golang-migrate');
    expect(d.reason).toBe(
      'ory/pop layout: found 21 files named {version}_{name}[.dialect][.autocommit].up.sql or .down.sql; 4 up migration(s) run on PostgreSQL (the .postgres. file of a version, else the one without a dialect); files for cockroach, mysql, sqlite3 not read',
    );
    expect(ids(d)).toEqual([
      '20240101000000000000',
      '20240201000000000000',
      '20240301000000000000',
      '20240401000000000000',
    ]);
    expect(
      d.migrations.map((m) => [m.file.slice(dir.length + 1), m.downFile?.slice(dir.length + 1)]),
    ).toEqual([
      [
        '20240101000000000000_identities.postgres.up.sql',
        '20240101000000000000_identities.postgres.down.sql',
      ],
      ['20240201000000000000_sessions.up.sql', '20240201000000000000_sessions.down.sql'],
      [
        '20240301000000000000_identity_state.postgres.up.sql',
        '20240301000000000000_identity_state.down.sql',
      ],
      [
        '20240401000000000000_sessions_identity_idx.postgres.autocommit.up.sql',
        '20240401000000000000_sessions_identity_idx.postgres.autocommit.down.sql',
      ],
    ]);
    expect(d.migrations.map((m) => [m.up.transaction, m.down?.transaction])).toEqual([
      ['transaction', 'transaction'],
      ['transaction', 'transaction'],
      ['transaction', 'transaction'],
      ['implicit', 'implicit'],
    ]);
    expect(d.migrations[0]).toMatchObject({
      name: 'identities',
      sortKey: ['20240101000000000000'],
    });
    expect(outline(d.migrations[2].up)).toEqual([['AlterTableStmt', 1, 1]]);
    expect(d.outOfOrder).toBe(true);
    expect(d.findings).toEqual([]);
    expect(d.notes).toEqual([
      `${dir}: files for other databases are not replayed (2 cockroach, 5 mysql, 3 sqlite3); ory/pop runs only the files of its dialect and those without one`,
      `${dir}: 3 file(s) without a dialect are not replayed because a .postgres. file of the same version replaces them on PostgreSQL (20240301000000000000_identity_state.up.sql, 20240401000000000000_sessions_identity_idx.autocommit.down.sql, 20240401000000000000_sessions_identity_idx.autocommit.up.sql)`,
      `${dir}: 1 .autocommit. migration(s) run without a transaction, each file sent as one query string`,
    ]);
  });

  it('reads `x.autocommit.up.sql` as autocommit for every dialect, and pg/postgresql as postgres', async () => {
    const repo = tempRepo({
      'm/1_a.pg.up.sql': 'CREATE TABLE a (id int);',
      'm/1_a.mysql.up.sql': 'CREATE TABLE `a` (`id` int);',
      'm/2_b.autocommit.up.sql': 'CREATE INDEX CONCURRENTLY a_id ON a (id);',
      'm/3_c.postgresql.up.sql': 'ALTER TABLE a ADD COLUMN c int;',
      'm/3_c.up.sql': 'ALTER TABLE a ADD COLUMN c integer;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(d.migrations.map((m) => [m.file, m.up.transaction])).toEqual([
      ['m/1_a.pg.up.sql', 'transaction'],
      ['m/2_b.autocommit.up.sql', 'implicit'],
      ['m/3_c.postgresql.up.sql', 'transaction'],
    ]);
  });

  it('reads a folder of 20-digit versions without a dialect as pop: golang-migrate cannot hold them', async () => {
    const repo = tempRepo({
      'm/20240101000000000000_a.up.sql': 'CREATE TABLE a (id int);',
      'm/20240101000000000000_a.down.sql': 'DROP TABLE a;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(d.reason).toMatch(/^ory\/pop layout: found 2 files/);
    expect(d.migrations[0]).toMatchObject({
      sortKey: ['20240101000000000000'],
      downFile: 'm/20240101000000000000_a.down.sql',
    });
  });

  it('leaves a golang-migrate folder as it was: dotted titles, numeric order', async () => {
    const repo = tempRepo({
      'm/9_add.users.up.sql': 'SELECT 9;',
      'm/10_ten.up.sql': 'SELECT 10;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(d.reason).toBe('found 2 files named {version}_{title}.up.sql or .down.sql');
    expect(d.migrations.map((m) => m.sortKey)).toEqual([[9], [10]]);
    expect(d.outOfOrder).toBeUndefined();
  });
});

describe('ory/pop on Postgres', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
  }, 60_000);
  afterAll(async () => cluster?.[Symbol.asyncDispose]());

  it("creates pop's schema_migration (varchar versions) with every merged version", async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    const client = new pg.Client(cluster.primary);
    await client.connect();
    try {
      await client.query('create schema pop_versions; set search_path = pop_versions');
      expect(await createToolTable(client, 'golang-migrate', d.migrations.slice(0, 3))).toBe(
        'schema_migration',
      );
      const rows = await client.query('select version from schema_migration order by version');
      expect(rows.rows.map((r) => r.version)).toEqual([
        '20240101000000000000',
        '20240201000000000000',
        '20240301000000000000',
      ]);
      const golang = await client.query(`select to_regclass('schema_migrations') as t`);
      expect(golang.rows[0].t).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('replays the postgres history and the PR’s CONCURRENTLY in its autocommit file, with its down', async () => {
    const report = await runFixture(dir, { baseCount: 3 });
    expect(report.migrations.map((m) => [m.id, m.state])).toEqual([
      ['20240101000000000000', 'merged'],
      ['20240201000000000000', 'merged'],
      ['20240301000000000000', 'merged'],
      ['20240401000000000000', 'new'],
    ]);
    expect(brief(report.findings)).toEqual([]);
    expect(report.status).toBe('passed');
  }, 120_000);
});
