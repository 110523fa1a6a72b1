import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation, at } from './gate-isolation-support.js';

/**
 * Shared topology: policies are judged on their parsed expression (a tenant comparison on every
 * OR branch), helpers in any schema count, and materialized views over tenant data are reported.
 */

beforeAll(() => initSqlParser());

const orgs = { tenantColumn: 'org_id', tenantSetting: 'app.current_org' };

describe('isolation gate, shared topology, policy expressions', () => {
  it('reports an OR branch without the tenant comparison, at the policy, as the leak test confirms', async () => {
    const name = 'shared-policy-or-branch';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_posts.up.sql', 14, 'tenant-policy-missing'),
      at(name, '001_posts.up.sql', 17, 'policy-without-tenant-check'),
      at(name, '001_posts.up.sql', 17, 'tenant-read-leak'),
      at(name, '001_posts.up.sql', 17, 'tenant-write-leak'),
    ]);
    expect(found[1].message).toBe(
      "policy posts_tenant on posts (ALL) does not keep rows to the current tenant: its USING expression is an OR with a branch that does not compare tenant_id with current_setting('app.tenant_id'), so rows matching that branch are visible to every tenant (USING (((tenant_id = (current_setting('app.tenant_id'::text))::bigint) AND (voided_at IS NULL)) OR (status = 'published'::text)) WITH CHECK (tenant_id = (current_setting('app.tenant_id'::text))::bigint)); permissive policies are ORed, so it opens the table to every tenant",
    );
    expect(found[2].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), table posts returns other tenants' rows: as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b",
    );
  }, 60_000);

  it('passes policies that call SQL and PL/pgSQL helpers of another schema reading the setting', async () => {
    const r = await shared('shared-helper-schema', orgs);
    expect(isolation(r)).toEqual([]);
    expect(r.status).toBe('passed');
  }, 60_000);

  it('reports a merged tenant policy replaced by one with an OR bypass as weakened', async () => {
    const name = 'shared-policy-or-bypass';
    const found = isolation(await shared(name, { baseCount: 1, ...orgs }));
    expect(brief(found)).toEqual([
      at(name, '002_reporting_access.up.sql', 3, 'tenant-policy-weakened'),
    ]);
    expect(found[0].message).toBe(
      "the PR changes policy projects_org on tenant-scoped projects so that it no longer keeps rows to the current tenant: its USING expression is an OR with a branch that does not compare org_id with current_setting('app.current_org'), so rows matching that branch are visible to every tenant (USING ((org_id = app.current_org_id()) OR (CURRENT_USER = 'reporting'::name)) WITH CHECK (org_id = app.current_org_id()))",
    );
  }, 60_000);

  it('reports a materialized view over tenant data, with a help that fits a materialized view', async () => {
    const name = 'shared-matview';
    const found = isolation(await shared(name));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 15, 'tenant-read-leak'),
      at(name, '001_invoices.up.sql', 15, 'view-without-security-invoker'),
    ]);
    expect(found[0].message).toBe(
      "acting as a tenant (role schemagate_app, app.tenant_id set), materialized view monthly_revenue returns other tenants' rows: as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b",
    );
    expect(found[1].message).toBe(
      "materialized view monthly_revenue stores rows of tenant-scoped invoices: a materialized view has no row-level security (and no security_invoker), so every role that can select it sees every tenant's rows",
    );
    expect(found[1].help).toBe(
      'Replace it with a view WITH (security_invoker = true) over the same query (DROP MATERIALIZED VIEW monthly_revenue; CREATE VIEW monthly_revenue WITH (security_invoker = true) AS ...), or with a table that has the tenant column and row-level security, filled by the refresh job; until then do not grant it to the application role: REVOKE SELECT ON monthly_revenue FROM <application role>;',
    );
    expect(found[0].help).toBe(
      'A materialized view has no row-level security: replace it with a view WITH (security_invoker = true) over the same query, or with a table that has the tenant column and row-level security; until then do not grant it to the application role: REVOKE SELECT ON monthly_revenue FROM <application role>;',
    );
    for (const f of found) expect(f.help).not.toContain('ALTER VIEW');
  }, 60_000);
});
