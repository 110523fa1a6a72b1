import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../src/check/snapshot.js';
import { silentLogger } from '../src/core/logger.js';
import { localProvider } from '../src/provision/local.js';
import type { Cluster } from '../src/provision/provider.js';
import { findPgDump } from '../src/replay/baseline-pg-dump.js';
import { brief, runFixture } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { localPostgresTool, runsWith, type Tool } from './helpers/tools.js';
import { bundleTypeScript } from './providers-support.js';

const APP = 'fixtures/baseline/app/migrations';
const PASSWORD = 'Snap-only-9f3K';
const TENANTS = Array.from({ length: 20 }, (_, i) => `tenant_${String(i + 1).padStart(2, '0')}`);

/** Debian's Postgres 15 server and its pg_dump: production here. */
async function postgres15(): Promise<Tool> {
  const local = localPostgresTool();
  const tool = { ...local, name: 'Postgres 15 with pg_dump 15' };
  if (local.missing) return tool;
  const dump = await findPgDump('15', {
    roots: ['/usr/lib/postgresql'],
    path: process.env.PATH,
    docker: false,
  }).catch((e: Error) => e);
  return dump instanceof Error ? { ...tool, missing: dump.message } : tool;
}

const installed = runsWith(await postgres15(), 'snapshot tests');

/** The schemagate CLI as a process, built from the sources. */
function cli(args: string[]) {
  const entry = bundleTypeScript('snapshot-cli', `import '${resolve('src/cli.ts')}';`);
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(installed)('schemagate snapshot of a production server with drifted tenants', () => {
  let prod: Cluster;
  let url: string;
  let out: string;

  beforeAll(async () => {
    prod = await localProvider.start({ replicas: 0, pgVersion: '15', logger: silentLogger });
    const admin = new pg.Client({ ...prod.primary });
    await admin.connect();
    await admin.query('create database prod');
    await admin.end();
    const db = new pg.Client({ ...prod.primary, database: 'prod' });
    await db.connect();
    const files = readdirSync(APP).filter((f) => /^00000[123]_.*\.up\.sql$/.test(f));
    for (const t of TENANTS) {
      await db.query(`create schema ${t}`);
      await db.query(`set search_path = ${t}, public`);
      for (const f of files.sort()) await db.query(readFileSync(join(APP, f), 'utf8'));
      await db.query(
        'create table schema_migrations (version bigint primary key, dirty boolean not null)',
      );
      await db.query('insert into schema_migrations values (3, false)');
      await db.query(`insert into users (email) values ('a@example.com')`);
    }
    // A hotfix applied by hand on one tenant; an index lost on another.
    await db.query('alter table tenant_07.users add column locale text');
    await db.query('drop index tenant_13.orders_user_id_idx');
    // A role that may read the catalog and lock tables (pg_dump does), nothing else.
    await db.query(`create role snapshot_reader login password '${PASSWORD}'`);
    await db.query('grant pg_read_all_data to snapshot_reader');
    await db.end();
    url = `postgres://snapshot_reader:${PASSWORD}@127.0.0.1:${prod.primary.port}/prod`;
    out = mkdtempSync(join(tmpdir(), 'sg-snapshot-'));
  }, 120_000);

  afterAll(async () => {
    await prod?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes one dump per variant and the tenants file', async () => {
    const result = await takeSnapshot(
      { databaseUrl: url, out, topology: 'schema', tenants: 'tenant_*', sharedSchema: 'public' },
      silentLogger,
    );
    const same = TENANTS.filter((t) => t !== 'tenant_07' && t !== 'tenant_13');
    expect(result.variants).toEqual([
      { name: 'a', file: 'a.sql', representative: 'tenant_01', tenants: same },
      { name: 'b', file: 'b.sql', representative: 'tenant_07', tenants: ['tenant_07'] },
      { name: 'c', file: 'c.sql', representative: 'tenant_13', tenants: ['tenant_13'] },
    ]);
    expect(readdirSync(out).sort()).toEqual(['a.sql', 'b.sql', 'c.sql', 'tenants.yml']);
    expect(readFileSync(join(out, 'tenants.yml'), 'utf8')).toBe(
      [
        '# schemagate snapshot: one baseline per distinct tenant catalog (variant)',
        'topology: schema',
        'sharedSchema: public',
        `postgres: "${prod.postgresVersion}"`,
        'tenants: 20',
        'variants:',
        '  a:',
        '    file: a.sql',
        '    representative: tenant_01',
        '    count: 18',
        '    tenants:',
        ...same.map((t) => `      - ${t}`),
        '  b:',
        '    file: b.sql',
        '    representative: tenant_07',
        '    count: 1',
        '    tenants:',
        '      - tenant_07',
        '  c:',
        '    file: c.sql',
        '    representative: tenant_13',
        '    count: 1',
        '    tenants:',
        '      - tenant_13',
        '',
      ].join('\n'),
    );
    const b = readFileSync(join(out, 'b.sql'), 'utf8');
    expect(b).toMatch(/^-- schemagate snapshot, variant b: tenant_07 stands for 1 tenant\(s\)/);
    expect(b).toContain('CREATE TABLE tenant_07.users (');
    expect(b).toContain('    locale text');
    expect(b).toContain('CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;');
    expect(b).not.toContain('tenant_01');
    // The only rows a snapshot carries: the migration tool's.
    expect(b.match(/^COPY .*$/gm)).toEqual([
      'COPY tenant_07.schema_migrations (version, dirty) FROM stdin;',
    ]);
    expect(b).toContain(
      'COPY tenant_07.schema_migrations (version, dirty) FROM stdin;\n3\tf\n\\.\n',
    );
    expect(readFileSync(join(out, 'c.sql'), 'utf8')).not.toContain('orders_user_id_idx');
    for (const f of readdirSync(out)) {
      const text = readFileSync(join(out, f), 'utf8');
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('a@example.com');
      expect(text).not.toContain('postgres://');
    }
  });

  it('blocks a PR adding the column on exactly the tenants that already have it', async () => {
    const report = await runFixture(APP, {
      baseCount: 3,
      replicas: 0,
      settings: { baseline: out },
    });
    expect(report.status).toBe('blocked');
    expect(report.topology.tenants).toEqual(['tenant_01', 'tenant_07', 'tenant_13']);
    expect(report.topology.base).toEqual({ kind: 'snapshot', path: out, variants: 3, tenants: 20 });
    const [blocker, warning] = report.findings;
    expect(brief(report.findings)).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: `${APP}/000004_users_locale.up.sql`,
        line: 1,
        tenant: 'tenant_07',
      },
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${APP}/000004_users_locale.up.sql`,
        line: 1,
      },
    ]);
    expect(blocker.message).toBe(
      `${APP}/000004_users_locale.up.sql:1: fails on 1 of 20 tenants (variant b): column "locale" of relation "users" already exists (SQLSTATE 42701)`,
    );
    expect([blocker.tenants, blocker.tenantCount]).toEqual([['tenant_07'], 1]);
    // Found on every variant: it holds on all 20 tenants, the first five named.
    expect([warning.tenants, warning.tenantCount]).toEqual([TENANTS.slice(0, 5), 20]);
    expect(report.notes).toEqual([
      `variant a (tenant_01, standing for 18 tenant(s)): loaded 32 statement(s) of ${out}/a.sql`,
      `variant b (tenant_07, standing for 1 tenant(s)): loaded 28 statement(s) of ${out}/b.sql`,
      `variant c (tenant_13, standing for 1 tenant(s)): loaded 27 statement(s) of ${out}/c.sql`,
      "tenant_01, tenant_07, tenant_13: the baseline holds 3 of 3 merged migration(s) (up to 000003), from the dump's schema_migrations (1 row(s))",
    ]);
  });

  it('captures tenant databases in the database topology and checks each variant', async () => {
    const admin = new pg.Client({ ...prod.primary });
    await admin.connect();
    const files = readdirSync(APP).filter((f) => /^00000[123]_.*\.up\.sql$/.test(f));
    for (const db of ['shop_a', 'shop_b', 'shop_c', 'shop_d']) {
      await admin.query(`create database ${db}`);
      await admin.query(`grant connect on database ${db} to snapshot_reader`);
      const c = new pg.Client({ ...prod.primary, database: db });
      await c.connect();
      // shop_d's deploy stopped before 000003.
      const ran = db === 'shop_d' ? files.sort().slice(0, 2) : files.sort();
      for (const f of ran) await c.query(readFileSync(join(APP, f), 'utf8'));
      await c.query('create table schema_migrations (version bigint primary key, dirty boolean)');
      await c.query('insert into schema_migrations values ($1, false)', [ran.length]);
      await c.query('grant pg_read_all_data to snapshot_reader');
      // shop_c had the PR's column added by hand.
      if (db === 'shop_c') await c.query('alter table users add column locale text');
      await c.end();
    }
    await admin.end();
    const dir = join(out, 'databases');
    const result = await takeSnapshot(
      {
        databaseUrl: url,
        out: dir,
        topology: 'database',
        tenants: 'shop_*',
        sharedSchema: 'public',
      },
      silentLogger,
    );
    expect(result.variants).toEqual([
      { name: 'a', file: 'a.sql', representative: 'shop_a', tenants: ['shop_a', 'shop_b'] },
      { name: 'b', file: 'b.sql', representative: 'shop_c', tenants: ['shop_c'] },
      { name: 'c', file: 'c.sql', representative: 'shop_d', tenants: ['shop_d'] },
    ]);
    expect(readFileSync(join(dir, 'b.sql'), 'utf8')).toContain('    locale text');
    // The migration tool's rows are the only ones a snapshot carries.
    expect(readFileSync(join(dir, 'c.sql'), 'utf8')).toContain(
      'COPY public.schema_migrations (version, dirty) FROM stdin;\n2\tf\n\\.\n',
    );
    await initSqlParser();
    const report = await runFixture(APP, {
      baseCount: 3,
      topology: 'database',
      replicas: 0,
      settings: { baseline: dir },
    });
    expect(report.status).toBe('blocked');
    expect(report.topology.tenants).toEqual(['shop_a', 'shop_c', 'shop_d']);
    expect(report.topology.base).toEqual({ kind: 'snapshot', path: dir, variants: 3, tenants: 4 });
    const blocker = report.findings.find((f) => f.rule === 'migration-failed')!;
    expect(brief([blocker])).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: `${APP}/000004_users_locale.up.sql`,
        line: 1,
        tenant: 'shop_c',
      },
    ]);
    expect(blocker.message).toBe(
      `${APP}/000004_users_locale.up.sql:1: fails on 1 of 4 tenants (variant b): column "locale" of relation "users" already exists (SQLSTATE 42701)`,
    );
    const warning = report.findings.find((f) => f.rule === 'missing-lock-timeout')!;
    expect([warning.tenants, warning.tenantCount]).toEqual([
      ['shop_a', 'shop_b', 'shop_c', 'shop_d'],
      4,
    ]);
    expect(report.notes.slice(3)).toEqual([
      "shop_a, shop_c: the baseline holds 3 of 3 merged migration(s) (up to 000003), from the dump's schema_migrations (1 row(s))",
      "shop_d: the baseline holds 2 of 3 merged migration(s) (up to 000002), from the dump's schema_migrations (1 row(s)); 000003 replayed on top",
    ]);
  });

  it('names the privilege pg_dump needs when the role has only CONNECT and USAGE', async () => {
    const admin = new pg.Client({ ...prod.primary, database: 'prod' });
    await admin.connect();
    await admin.query(`create role catalog_only login password '${PASSWORD}'`);
    await admin.query('grant connect on database prod to catalog_only');
    for (const t of TENANTS) await admin.query(`grant usage on schema ${t} to catalog_only`);
    await admin.end();
    const failed = await takeSnapshot(
      {
        databaseUrl: `postgres://catalog_only:${PASSWORD}@127.0.0.1:${prod.primary.port}/prod`,
        out: join(out, 'catalog-only'),
        topology: 'schema',
        tenants: 'tenant_*',
        sharedSchema: 'public',
      },
      silentLogger,
    ).catch((e: Error) => e);
    expect((failed as Error).message).toBe(
      [
        'pg_dump of prod failed: pg_dump: error: query failed: ERROR:  permission denied for table users',
        'pg_dump: detail: Query was: LOCK TABLE tenant_01.users IN ACCESS SHARE MODE; pg_dump takes an ACCESS SHARE lock on every table it dumps, which needs SELECT on it even with --schema-only: GRANT pg_read_all_data TO the role (it reads no row)',
      ].join('\n'),
    );
  });

  it('runs as a command that prints no secret, and exits 2 on a bad URL', () => {
    const dir = join(out, 'cli');
    const ok = cli(['snapshot', '--database-url', url, '--out', dir, '--tenants', 'tenant_*']);
    expect(ok.stderr).not.toContain(PASSWORD);
    expect(ok.stdout).toBe(
      [
        `20 tenant(s) of Postgres ${prod.postgresVersion} in 3 variant(s), written to ${dir}:`,
        '  a.sql: 18 tenant(s), tenant_01 stands for them',
        '  b.sql: 1 tenant(s), tenant_07 stands for them',
        '  c.sql: 1 tenant(s), tenant_13 stands for them',
        '  tenants.yml',
        '',
      ].join('\n'),
    );
    expect(ok.code).toBe(0);
    const bad = cli(['snapshot', '--database-url', 'mysql://u:p@h/db', '--out', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'schemagate: error: --database-url: expected postgres://user:pass@host:port/db, got "mysql://u:****@h/db"\n',
    );
  });
});
