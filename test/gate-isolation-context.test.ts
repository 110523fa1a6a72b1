import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import type { TenantContext } from '../src/core/settings.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation, at } from './gate-isolation-support.js';

/**
 * `isolation.tenantContext`: each kind with a correct design (no finding, no FORCE demanded of
 * a role that owns nothing) and a leaky one (found at the PR's statement, rows counted).
 */

beforeAll(() => initSqlParser());

const run = (name: string, tenantContext: TenantContext, extra: { tenantColumn?: string } = {}) =>
  shared(name, { settings: { isolation: { tenantContext } }, ...extra });

const READ_COUNTS =
  'as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b';

describe('tenant context jwt with a membership table (preset supabase, basejump)', () => {
  const MEMBERSHIP: TenantContext = {
    kind: 'jwt',
    role: 'authenticated',
    claims: 'request.jwt.claims',
    membership: {
      table: 'basejump.account_user',
      userColumn: 'user_id',
      tenantColumn: 'account_id',
    },
  };
  const supabase = (name: string) =>
    shared(`${name}/supabase/migrations`, {
      baseCount: 1,
      settings: { isolation: { tenantContext: MEMBERSHIP } },
    });
  const file = (name: string) =>
    `fixtures/isolation/${name}/supabase/migrations/20240502093000_projects.sql`;

  it('passes policies on account membership through auth.uid(), without FORCE', async () => {
    const r = await supabase('context-supabase-membership');
    expect(r.findings).toEqual([]);
    expect(r.status).toBe('passed');
  }, 60_000);

  it('reports a policy that checks membership of any account, at the policy, rows counted', async () => {
    const name = 'context-supabase-membership-leak';
    const found = isolation(await supabase(name));
    const where = { gate: 'isolation', severity: 'blocker', file: file(name), line: 13 };
    expect(brief(found)).toEqual([
      { ...where, rule: 'policy-without-tenant-check' },
      { ...where, rule: 'tenant-read-leak' },
    ]);
    expect(found[0].message).toBe(
      "policy Members can view projects on projects (SELECT) does not keep rows to the current tenant: its USING expression does not compare account_id with the signed-in user's tenants (account_id of basejump.account_user where user_id = auth.uid()) (USING (EXISTS ( SELECT 1\n   FROM basejump.account_user au\n  WHERE (au.user_id = ( SELECT auth.uid() AS uid))))); permissive policies are ORed, so it opens the table to every tenant",
    );
    expect(found[1].message).toBe(
      `acting as a tenant (role authenticated, signed in as a user who is a member of that tenant only (basejump.account_user)), SELECT on table projects returns other tenants' rows: ${READ_COUNTS}; policy Members can view projects (${file(name)}:13) lets them through`,
    );
    expect(found[1].help).toBe(
      'Write the policy on the tenant column: CREATE POLICY projects_tenant_isolation ON projects USING (account_id IN (SELECT account_id FROM basejump.account_user WHERE user_id = (SELECT auth.uid()))) WITH CHECK (account_id IN (SELECT account_id FROM basejump.account_user WHERE user_id = (SELECT auth.uid()))); ALTER TABLE projects ENABLE ROW LEVEL SECURITY;',
    );
  }, 60_000);
});

describe('tenant context jwt: the membership and tenants tables are read as each tenant', () => {
  it('reports a PR policy that lists every account to every signed-in user', async () => {
    const name = 'context-supabase-accounts-leak';
    const file = `fixtures/isolation/${name}/supabase/migrations/20240502093000_projects.sql`;
    const found = isolation(
      await shared(`${name}/supabase/migrations`, {
        baseCount: 1,
        settings: {
          isolation: {
            tenantContext: {
              kind: 'jwt',
              role: 'authenticated',
              claims: 'request.jwt.claims',
              membership: {
                table: 'basejump.account_user',
                userColumn: 'user_id',
                tenantColumn: 'account_id',
              },
            },
          },
        },
      }),
    );
    expect(brief(found)).toEqual([
      { gate: 'isolation', rule: 'tenant-read-leak', severity: 'blocker', file, line: 34 },
    ]);
    expect(found[0].message).toBe(
      `acting as a tenant (role authenticated, signed in as a user who is a member of that tenant only (basejump.account_user)), SELECT on table accounts returns other tenants' rows: ${READ_COUNTS}; policy Accounts are listed in the directory (${file}:34) lets them through`,
    );
  }, 60_000);
});

describe('tenant context jwt with a membership table in public', () => {
  // No tenantColumn: the membership's tenant column is the one the tables have.
  const teams = (name: string) =>
    shared(`${name}/supabase/migrations`, {
      settings: {
        isolation: {
          tenantContext: {
            kind: 'jwt',
            role: 'authenticated',
            claims: 'request.jwt.claims',
            membership: { table: 'memberships', userColumn: 'user_id', tenantColumn: 'team_id' },
          },
        },
      },
    });

  it('passes tasks kept to the teams a user is a member of; the membership table is read, not written', async () => {
    const r = await teams('context-supabase-teams');
    expect(r.findings).toEqual([]);
  }, 60_000);

  it('reports a browse policy open to every signed-in user, rows counted', async () => {
    const name = 'context-supabase-teams-leak';
    const file = `fixtures/isolation/${name}/supabase/migrations/20240701090000_teams.sql`;
    const found = isolation(await teams(name));
    const where = { gate: 'isolation', severity: 'blocker', file, line: 37 };
    expect(brief(found)).toEqual([
      { ...where, rule: 'policy-without-tenant-check' },
      { ...where, rule: 'tenant-read-leak' },
    ]);
    expect(found[1].message).toBe(
      `acting as a tenant (role authenticated, signed in as a user who is a member of that tenant only (memberships)), SELECT on table tasks returns other tenants' rows: ${READ_COUNTS}; policy Everyone can browse tasks (${file}:37) lets them through`,
    );
  }, 60_000);
});

describe('tenant context jwt with the tenant id in the claims', () => {
  const JWT: TenantContext = { kind: 'jwt', role: 'authenticated', claims: 'request.jwt.claims' };

  it('passes a policy on a claim of app_metadata, without FORCE', async () => {
    const r = await run('context-jwt-claims', JWT);
    expect(r.findings).toEqual([]);
  }, 60_000);

  it('reports a policy that only asks for a tenant claim, at the policy, rows counted', async () => {
    const name = 'context-jwt-claims-leak';
    const found = isolation(await run(name, JWT));
    expect(brief(found)).toEqual([
      at(name, '001_invoices.up.sql', 10, 'policy-without-tenant-check'),
      at(name, '001_invoices.up.sql', 10, 'tenant-read-leak'),
    ]);
    expect(found[1].message).toBe(
      `acting as a tenant (role authenticated, request.jwt.claims of that tenant), SELECT on table invoices returns other tenants' rows: ${READ_COUNTS}; policy invoices_read (fixtures/isolation/${name}/001_invoices.up.sql:10) lets them through`,
    );
  }, 60_000);
});

describe('tenant context role: one role per tenant', () => {
  const ROLE: TenantContext = { kind: 'role', pattern: 'tenant_{id}' };

  it('passes policies on current_user, without FORCE', async () => {
    const r = await run('context-role-per-tenant', ROLE);
    expect(r.findings).toEqual([]);
  }, 60_000);

  it('reports a policy that lets every tenant role read, at the policy, rows counted', async () => {
    const name = 'context-role-per-tenant-leak';
    const found = isolation(await run(name, ROLE));
    expect(brief(found)).toEqual([
      at(name, '001_projects.up.sql', 12, 'policy-without-tenant-check'),
      at(name, '001_projects.up.sql', 12, 'tenant-read-leak'),
    ]);
    expect(found[0].message).toBe(
      "policy projects_tenants_read on projects (SELECT) does not keep rows to the current tenant: its USING expression does not compare tenant_id with current_user (one role per tenant, tenant_{id}) (USING (CURRENT_USER ~~ 'tenant\\_%'::text)); permissive policies are ORed, so it opens the table to every tenant",
    );
    expect(found[1].message).toBe(
      `acting as a tenant (its own role, tenant_{id}), SELECT on table projects returns other tenants' rows: ${READ_COUNTS}; policy projects_tenants_read (fixtures/isolation/${name}/001_projects.up.sql:12) lets them through`,
    );
  }, 60_000);
});

describe('tenant context setting', () => {
  const SETTING: TenantContext = { kind: 'setting', setting: 'app.current_org', role: 'app_user' };

  it('passes policies on the configured setting; the named role owns nothing, so no FORCE', async () => {
    const r = await run('context-setting', SETTING, { tenantColumn: 'org_id' });
    expect(r.findings).toEqual([]);
  }, 60_000);

  it('reports a reporting policy open to every tenant, rows counted', async () => {
    const name = 'context-setting-leak';
    const found = isolation(await run(name, SETTING, { tenantColumn: 'org_id' }));
    expect(brief(found)).toEqual([
      at(name, '001_orders.up.sql', 18, 'policy-without-tenant-check'),
      at(name, '001_orders.up.sql', 18, 'tenant-read-leak'),
    ]);
    expect(found[1].message).toBe(
      `acting as a tenant (role app_user, app.current_org set), table orders returns other tenants' rows: ${READ_COUNTS}`,
    );
  }, 60_000);
});

describe('tenant context sql', () => {
  const SQL: TenantContext = { kind: 'sql', sql: "select set_config('app.tenant', $1, false)" };

  it('passes policies on the setting the SQL writes, read through a helper', async () => {
    const r = await run('context-sql', SQL);
    expect(r.findings).toEqual([]);
  }, 60_000);

  it('reports an insert policy open to every tenant, and the rows it let in', async () => {
    const name = 'context-sql-leak';
    const found = isolation(await run(name, SQL));
    expect(brief(found)).toEqual([
      at(name, '001_notes.up.sql', 14, 'tenant-policy-missing'),
      at(name, '001_notes.up.sql', 19, 'policy-without-tenant-check'),
      at(name, '001_notes.up.sql', 19, 'tenant-write-leak'),
    ]);
    expect(found[2].message).toBe(
      'acting as tenant-a (role schemagate_app), Postgres let it insert a row of tenant-b, insert a row of tenant-c in notes',
    );
  }, 60_000);
});
