import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import type { Cluster } from '../src/provision/provider.js';
import { silentLogger } from '../src/core/logger.js';
import type { Migration } from '../src/core/model.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import { StatementLocator } from '../src/gates/isolation/locate.js';
import { runLeakTest } from '../src/gates/isolation/leak-test.js';
import type { AppRole } from '../src/gates/isolation/leak-role.js';

/** The live leak test alone, on databases migrated by hand (no engine). */

let cluster: Cluster;
let databases = 0;

function migration(file: string, sql: string): Migration {
  const statements = splitStatements(sql, file);
  return {
    id: file,
    name: file,
    format: 'golang-migrate',
    sortKey: [file],
    file,
    up: { file, transaction: 'implicit', statements },
    checksum: '',
    state: 'new',
  };
}

async function migrated(sql: string): Promise<{ client: pg.Client; locator: StatementLocator }> {
  const name = `leak_${++databases}`;
  const admin = new pg.Client(cluster.primary);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const client = new pg.Client({ ...cluster.primary, database: name });
  await client.connect();
  await client.query(sql);
  return {
    client,
    locator: new StatementLocator([migration('migrations/001_init.up.sql', sql)], []),
  };
}

async function leakTest(
  sql: string,
  tables: string[],
  onRole?: (r: AppRole) => Promise<void>,
  client?: pg.Client,
) {
  const db = await migrated(sql);
  try {
    const keyed = await runLeakTest({
      client: client ?? db.client,
      schemas: ['public'],
      tenantColumn: 'tenant_id',
      tenantSetting: 'app.tenant_id',
      tenantTables: tables,
      tenantCount: 3,
      locator: db.locator,
      logger: silentLogger,
      onRole: onRole && ((r) => onRole(r)),
    });
    return { findings: keyed.map((k) => k.finding), client: db.client };
  } finally {
    await db.client.end();
  }
}

const TENANT_CHECK = `tenant_id = current_setting('app.tenant_id')::uuid`;

const CORRECT = `create table customers (id bigserial primary key, tenant_id uuid not null, name text not null);
create table documents (
  id bigserial primary key,
  tenant_id uuid not null,
  customer_id bigint not null references customers (id),
  owner_id uuid,
  title text not null
);
alter table customers enable row level security, force row level security;
alter table documents enable row level security, force row level security;
create policy customers_tenant on customers using (${TENANT_CHECK}) with check (${TENANT_CHECK});
create policy documents_tenant on documents using (${TENANT_CHECK}) with check (${TENANT_CHECK});
create view document_titles with (security_invoker = true) as select d.tenant_id, d.title from documents d;`;

beforeAll(async () => {
  await initSqlParser();
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('live leak test', () => {
  it('passes tables with correct tenant policies and an invoker view, as a plain role', async () => {
    let role: AppRole | undefined;
    let attributes: Record<string, unknown> | undefined;
    let owners: string[] = [];
    const db = await migrated(CORRECT);
    const findings = await runLeakTest({
      client: db.client,
      schemas: ['public'],
      tenantColumn: 'tenant_id',
      tenantSetting: 'app.tenant_id',
      tenantTables: ['customers', 'documents'],
      tenantCount: 3,
      locator: db.locator,
      logger: silentLogger,
      onRole: async (r) => {
        role = r;
        const q = await db.client.query(
          'select rolsuper, rolbypassrls, rolinherit from pg_roles where rolname = $1',
          [r.name],
        );
        attributes = q.rows[0];
        const o = await db.client.query(
          `select tableowner from pg_tables where schemaname = 'public'`,
        );
        owners = o.rows.map((x) => x.tableowner);
      },
    });
    const roleLeft = await db.client.query(
      `select count(*)::int as n from pg_roles where rolname = 'schemagate_app'`,
    );
    const rows = await db.client.query('select count(*)::int as n from documents');
    await db.client.end();
    expect(findings).toEqual([]);
    expect(role).toEqual({
      name: 'schemagate_app',
      created: true,
      superuser: false,
      bypassRls: false,
      defaultGrants: true,
    });
    expect(attributes).toEqual({ rolsuper: false, rolbypassrls: false, rolinherit: false });
    expect(owners).not.toContain('schemagate_app');
    // Everything the test did was rolled back, role included.
    expect(roleLeft.rows[0].n).toBe(0);
    expect(rows.rows[0].n).toBe(0);
  });

  it('catches a policy on the wrong column, which names the tenant setting', async () => {
    const wrong = CORRECT.replace(
      `create policy documents_tenant on documents using (${TENANT_CHECK}) with check (${TENANT_CHECK});`,
      `create policy documents_tenant on documents using (owner_id = current_setting('app.tenant_id')::uuid);`,
    );
    const { findings } = await leakTest(wrong, ['customers', 'documents']);
    expect(findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['tenant-read-leak', 'blocker', 'migrations/001_init.up.sql', 2],
      ['tenant-read-leak', 'blocker', 'migrations/001_init.up.sql', 13],
      ['tenant-write-leak', 'blocker', 'migrations/001_init.up.sql', 2],
    ]);
    expect(findings[0].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), table documents returns other tenants' rows: as tenant-a: 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a; as tenant-c: 1 row(s) of tenant-b",
    );
    expect(findings[1].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), view document_titles returns other tenants' rows: as tenant-a: 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a; as tenant-c: 1 row(s) of tenant-b",
    );
    expect(findings[2].message).toBe(
      'acting as tenant-a (role schemagate_app), Postgres let it insert a row of tenant-c, update 1 row(s) of tenant-c, delete 1 row(s) of tenant-c in documents',
    );
  });

  it('makes the synthetic tenants rows of a tenants table in another schema, and gives empty global parents a row', async () => {
    const sql = `create schema core;
create table core.tenants (id uuid primary key, slug text not null unique, created_at timestamptz not null default now());
create table plans (id bigint generated always as identity primary key, name text not null);
create table projects (
  id bigserial primary key,
  tenant_id uuid not null references core.tenants (id),
  plan_id bigint not null references plans (id),
  name text not null
);
alter table projects enable row level security, force row level security;
create policy projects_tenant on projects using (${TENANT_CHECK}) with check (${TENANT_CHECK});`;
    const { findings } = await leakTest(sql, ['projects']);
    expect(findings).toEqual([]);
    const leaking = sql.replace(`using (${TENANT_CHECK})`, 'using (true)');
    const again = await leakTest(leaking, ['projects']);
    expect(again.findings.map((f) => [f.rule, f.line])).toEqual([
      ['tenant-read-leak', 4],
      ['tenant-write-leak', 4],
    ]);
  });

  it('says why the synthetic tenants could not be made rows of the tenants table', async () => {
    const sql = `create table tenants (id uuid primary key, region text not null check (region ~ '^[A-Z]{2}$'));
create table projects (id bigserial primary key, tenant_id uuid not null references tenants (id), name text not null);
alter table projects enable row level security, force row level security;
create policy projects_tenant on projects using (${TENANT_CHECK}) with check (${TENANT_CHECK});`;
    const { findings } = await leakTest(sql, ['projects']);
    expect(findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['leak-test-incomplete', 'notice', 2],
    ]);
    expect(findings[0].message).toBe(
      'the live leak test could not write rows into projects: the synthetic tenants could not be inserted into public.tenants, which the tenant column references: new row for relation "tenants" violates check constraint "tenants_region_check" (SQLSTATE 23514); only the static rules cover it',
    );
  });
});
