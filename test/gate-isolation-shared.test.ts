import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation, at } from './gate-isolation-support.js';

/** Shared topology (rows keyed by tenant_id): static row-level security rules through the engine. */

beforeAll(() => initSqlParser());

describe('isolation gate, shared topology, static rules', () => {
  it('passes RLS enabled and forced, tenant policies and an invoker view', async () => {
    const r = await shared('shared-correct');
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('passed');
  }, 30_000);

  it('does not take a table no tenant can read (its policy fails) for one that does not leak', async () => {
    const name = 'shared-policy-reads-missing-table';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      { ...at(name, '001_invoices.up.sql', 1, 'leak-test-incomplete'), severity: 'notice' },
    ]);
    expect(found[0].message).toBe(
      'the live leak test could not read table invoices as a tenant: relation "tenant_sessions" does not exist (SQLSTATE 42P01); only the static rules cover it',
    );
  }, 30_000);

  it('reports a tenant table without row-level security (and the leak it causes)', async () => {
    const name = 'shared-rls-not-enabled';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 1, 'rls-not-enabled'),
      at(name, '001_invoices.up.sql', 1, 'tenant-read-leak'),
      at(name, '001_invoices.up.sql', 1, 'tenant-write-leak'),
    ]);
    expect(found.find((f) => f.rule === 'rls-not-enabled')?.message).toBe(
      "table invoices has the tenant column tenant_id but row-level security is not enabled: every tenant reads every tenant's rows",
    );
    expect(found.find((f) => f.rule === 'rls-not-enabled')?.help).toBe(
      "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; CREATE POLICY invoices_tenant_isolation ON invoices USING (tenant_id = current_setting('app.tenant_id')::uuid) WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);",
    );
  }, 30_000);

  it('reports RLS that is enabled but not forced', async () => {
    const name = 'shared-rls-not-forced';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([at(name, '001_invoices.up.sql', 7, 'rls-not-forced')]);
    expect(found[0].message).toBe(
      'table invoices has row-level security enabled but not forced: its owner (sg_migrator) and any role connecting as the owner bypass the tenant policies',
    );
  }, 30_000);

  it('reports commands no tenant policy covers', async () => {
    const name = 'shared-policy-missing';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([at(name, '001_invoices.up.sql', 7, 'tenant-policy-missing')]);
    expect(found[0].message).toBe(
      "table invoices has no policy comparing tenant_id with current_setting('app.tenant_id') for INSERT, UPDATE, DELETE",
    );
  }, 30_000);

  it('reports a permissive USING (true) policy, which the leak test confirms', async () => {
    const name = 'shared-policy-using-true';
    const found = isolation(await shared(name));
    // The leak is reported at the policy that causes it, not at the CREATE TABLE.
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 12, 'policy-without-tenant-check'),
      at(name, '001_invoices.up.sql', 12, 'tenant-read-leak'),
    ]);
    expect(found[0].message).toBe(
      "policy invoices_reporting on invoices (SELECT) does not keep rows to the current tenant: its USING expression does not compare tenant_id with current_setting('app.tenant_id') (USING true); permissive policies are ORed, so it opens the table to every tenant",
    );
  }, 30_000);

  it('reports policies on a table whose row-level security is disabled', async () => {
    const name = 'shared-policy-without-rls';
    const found = isolation(await shared(name));
    expect(brief(found).map((f) => f.rule)).toEqual([
      'tenant-read-leak',
      'tenant-write-leak',
      'policy-without-rls',
    ]);
    // At the CREATE POLICY that has no effect, not at the CREATE TABLE.
    expect(brief(found)[2]).toEqual(at(name, '001_invoices.up.sql', 7, 'policy-without-rls'));
    expect(found[2].message).toBe(
      'table invoices has policies (invoices_tenant) but row-level security is disabled, so none of them applies',
    );
  }, 30_000);

  it('reports a view over tenant data without security_invoker', async () => {
    const name = 'shared-view-without-invoker';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 13, 'tenant-read-leak'),
      at(name, '001_invoices.up.sql', 13, 'view-without-security-invoker'),
    ]);
    expect(found[1].help).toBe('ALTER VIEW invoice_totals SET (security_invoker = true);');
    expect(found[0].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), view invoice_totals returns other tenants' rows: as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b",
    );
  }, 30_000);
});
