import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { defaultSettings } from '../src/config/settings.js';
import { shared, isolation, at } from './gate-isolation-support.js';

/** Shared topology: functions, grants, weakened policies, configured tables, and the leak test. */

beforeAll(() => initSqlParser());

describe('isolation gate, shared topology', () => {
  it('reports a SECURITY DEFINER function that reads tenant data without a fixed search_path', async () => {
    const name = 'shared-security-definer';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 13, 'security-definer-search-path'),
      at(name, '001_invoices.up.sql', 13, 'security-definer-tenant-access'),
    ]);
    expect(found[1].message).toBe(
      'SECURITY DEFINER function invoice_count() reads tenant-scoped invoices with the rights of its owner (sg_migrator), bypassing row-level security',
    );
  }, 30_000);

  it('reports a grant to PUBLIC on a tenant table', async () => {
    const name = 'shared-public-grant';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 13, 'tenant-table-public-grant'),
    ]);
    expect(found[0].message).toBe(
      'SELECT on tenant-scoped invoices is granted to PUBLIC: every role of the cluster gets it, including roles that are not subject to the tenant policies',
    );
  }, 30_000);

  it('reports a tenant policy the PR drops, and the leak over merged and seeded rows', async () => {
    const name = 'shared-policy-weakened';
    const found = isolation(await shared(name, { baseCount: 1 }));
    // The leaks are reported at the PR's policy that opens the table.
    expect(brief(found)).toEqual([
      at(name, '002_drop_policy.up.sql', 1, 'tenant-policy-weakened'),
      at(name, '002_drop_policy.up.sql', 3, 'tenant-read-leak'),
      at(name, '002_drop_policy.up.sql', 3, 'tenant-write-leak'),
    ]);
    expect(found[0].message).toBe(
      'the PR drops policy invoices_tenant on tenant-scoped invoices, which checked the tenant setting',
    );
    expect(found[1].message).toContain(
      'as tenant-a: 200 row(s) of other tenants, 1 row(s) of tenant-b, 1 row(s) of tenant-c',
    );
  }, 30_000);

  it('reports a configured tenant table without the tenant column', async () => {
    const name = 'shared-tenant-table-config';
    const settings = {
      ...defaultSettings(),
      seedRows: 200,
      isolation: { tenantTables: ['audit_events'] },
    };
    const found = isolation(await shared(name, { settings }));
    expect(brief(found)).toEqual([at(name, '001_tables.up.sql', 1, 'tenant-column-missing')]);
    expect(found[0].message).toBe(
      'table audit_events is configured as tenant-scoped (settings.isolation.tenantTables) but has no tenant_id column',
    );
  }, 30_000);

  it('reports a policy on the wrong column, which names the tenant setting, and the leak at it', async () => {
    const name = 'shared-wrong-column-policy';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_documents.up.sql', 8, 'tenant-policy-missing'),
      at(name, '001_documents.up.sql', 12, 'policy-without-tenant-check'),
      at(name, '001_documents.up.sql', 12, 'tenant-read-leak'),
      at(name, '001_documents.up.sql', 12, 'tenant-write-leak'),
    ]);
    expect(found[1].message).toBe(
      "policy documents_tenant on documents (ALL) does not keep rows to the current tenant: its USING expression does not compare tenant_id with current_setting('app.tenant_id') (USING (owner_id = (current_setting('app.tenant_id'::text))::uuid) WITH CHECK (owner_id = (current_setting('app.tenant_id'::text))::uuid)); permissive policies are ORed, so it opens the table to every tenant",
    );
    expect(found[2].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), table documents returns other tenants' rows: as tenant-a: 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a; as tenant-c: 1 row(s) of tenant-b",
    );
    expect(found[3].message).toBe(
      'acting as tenant-a (role schemagate_app), Postgres let it insert a row of tenant-c, update 1 row(s) of tenant-c, delete 1 row(s) of tenant-c in documents',
    );
  }, 30_000);

  it('rejects unknown isolation settings before the run, naming the setting', async () => {
    const settings = { ...defaultSettings(), isolation: { globalTable: ['plans'] } };
    const error = await shared('shared-correct', { settings }).then(
      () => undefined,
      (e: Error) => e,
    );
    // An input error (exit 2): the run stops before Postgres starts.
    expect(error?.message.split('\n')[0]).toContain(
      'settings: isolation.globalTable: unknown key, expected one of globalTables, tenantTables, appRole, leakTestTenants, leakTest, tenantContext',
    );
  }, 30_000);
});
