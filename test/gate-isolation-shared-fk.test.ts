import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import type { Cluster } from '../src/provision/provider.js';
import { silentLogger } from '../src/core/logger.js';
import { shared, isolation, at, dir } from './gate-isolation-support.js';

/**
 * Shared topology with a tenants table: the tenant column references it (the usual design), so
 * the live leak test must make its synthetic tenants rows of that table.
 */

let cluster: Cluster;

beforeAll(async () => {
  await initSqlParser();
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** A fresh database with the given migration files applied, for running help texts. */
async function database(name: string, files: string[]): Promise<pg.Client> {
  const admin = new pg.Client(cluster.primary);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const client = new pg.Client({ ...cluster.primary, database: name });
  await client.connect();
  for (const file of files) await client.query(readFileSync(file, 'utf8'));
  return client;
}

describe('live leak test with a tenants table', () => {
  it('inserts the synthetic tenants into tenants, so child tables are tested and leaks are found at the policy', async () => {
    const name = 'shared-tenant-fk';
    const found = isolation(await shared(name, { baseCount: 1 }));
    expect(brief(found)).toEqual([
      at(name, '002_billing.up.sql', 20, 'tenant-policy-missing'),
      at(name, '002_billing.up.sql', 23, 'policy-without-tenant-check'),
      at(name, '002_billing.up.sql', 23, 'tenant-read-leak'),
      at(name, '002_billing.up.sql', 23, 'tenant-write-leak'),
    ]);
    expect(found[1].message).toBe(
      "policy credit_notes_tenant on credit_notes (ALL) does not keep rows to the current tenant: its USING expression does not compare tenant_id with current_setting('app.tenant_id') (USING (current_setting('app.tenant_id'::text, true) IS NOT NULL) WITH CHECK (tenant_id = (current_setting('app.tenant_id'::text))::uuid)); permissive policies are ORed, so it opens the table to every tenant",
    );
    expect(found[2].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), table credit_notes returns other tenants' rows: as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b",
    );
    expect(found[3].message).toBe(
      'acting as tenant-a (role schemagate_app), Postgres let it delete 1 row(s) of tenant-b, delete 1 row(s) of tenant-c in credit_notes',
    );
  }, 60_000);

  it('says when no table has the tenant column, and which one the policies use', async () => {
    const name = 'shared-prisma-tenant-fk/prisma/migrations';
    const found = isolation(await shared(name, { baseCount: 1 }));
    expect(brief(found)).toEqual([
      {
        gate: 'isolation',
        rule: 'tenant-column-missing',
        severity: 'warning',
        file: undefined,
        line: undefined,
      },
    ]);
    expect(found[0].message).toBe(
      'No table has the tenant column tenant_id, so tenant isolation was not checked: row-level security, policies and the live leak test all look for that column. The row-level security policies compare "tenantId" with current_setting(\'app.current_tenant_id\'): run with --tenant-column tenantId --tenant-setting app.current_tenant_id (tenantColumn and tenantSetting in .schemagate.yml).',
    );
  }, 60_000);

  it('tests Prisma tables whose "tenantId" references "Tenant", with quoted SQL in the help that runs as written', async () => {
    const name = 'shared-prisma-tenant-fk/prisma/migrations';
    const file = '20240603110217_add_invoices/migration.sql';
    const found = isolation(
      await shared(name, {
        baseCount: 1,
        tenantColumn: 'tenantId',
        tenantSetting: 'app.current_tenant_id',
      }),
    );
    expect(brief(found)).toEqual([
      at(name, file, 5, 'rls-not-enabled'),
      at(name, file, 5, 'tenant-read-leak'),
      at(name, file, 5, 'tenant-write-leak'),
      at(name, file, 26, 'tenant-read-leak'),
      at(name, file, 26, 'view-without-security-invoker'),
    ]);
    const [rls, , write, , view] = found;
    expect(write.message).toBe(
      'acting as tenant-a (role schemagate_app), Postgres let it insert a row of tenant-b, update 1 row(s) of tenant-b, move 1 of its own row(s) to tenant-b, delete 1 row(s) of tenant-b, insert a row of tenant-c, update 1 row(s) of tenant-c, move 1 of its own row(s) to tenant-c, delete 1 row(s) of tenant-c in Invoice',
    );
    expect(rls.help).toBe(
      `ALTER TABLE "Invoice" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; CREATE POLICY "Invoice_tenant_isolation" ON "Invoice" USING ("tenantId" = current_setting('app.current_tenant_id')::text) WITH CHECK ("tenantId" = current_setting('app.current_tenant_id')::text);`,
    );
    expect(view.help).toBe('ALTER VIEW "InvoiceSummary" SET (security_invoker = true);');
    expect(found[1].help).toBe(
      `Write the policy on the tenant column: CREATE POLICY "Invoice_tenant_isolation" ON "Invoice" USING ("tenantId" = current_setting('app.current_tenant_id')::text) WITH CHECK ("tenantId" = current_setting('app.current_tenant_id')::text); ALTER TABLE "Invoice" ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`,
    );
    // The help texts run as written on the PR's schema.
    const migrations = `${dir(name)}/20240105120000_init/migration.sql`;
    const client = await database('prisma_help', [migrations, `${dir(name)}/${file}`]);
    try {
      await client.query(rls.help!);
      await client.query(view.help!);
      const r = await client.query(
        `select relname, relrowsecurity, relforcerowsecurity, reloptions from pg_class
         where relname in ('Invoice', 'InvoiceSummary') order by relname`,
      );
      expect(r.rows).toEqual([
        { relname: 'Invoice', relrowsecurity: true, relforcerowsecurity: true, reloptions: null },
        {
          relname: 'InvoiceSummary',
          relrowsecurity: false,
          relforcerowsecurity: false,
          reloptions: ['security_invoker=true'],
        },
      ]);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('says which merged tables the leak test could not write into, once, next to the PR findings', async () => {
    const name = 'shared-merged-untestable';
    const found = isolation(await shared(name, { baseCount: 1 }));
    expect(brief(found)).toEqual([
      { ...at(name, '001_rates.up.sql', 1, 'leak-test-incomplete'), severity: 'notice' },
      at(name, '002_notes.up.sql', 1, 'rls-not-enabled'),
      at(name, '002_notes.up.sql', 1, 'tenant-read-leak'),
      at(name, '002_notes.up.sql', 1, 'tenant-write-leak'),
    ]);
    expect(found[0].message).toBe(
      'the live leak test could not write rows into rates: new row for relation "rates" violates check constraint "rates_currency_check" (SQLSTATE 23514); only the static rules cover it',
    );
  }, 60_000);
});
