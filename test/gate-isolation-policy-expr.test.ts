import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser } from '../src/sql/split.js';
import { tenantRestrictionProblem } from '../src/gates/isolation/policy-expr.js';
import { policyProblem, tenantScope } from '../src/gates/isolation/tenant-scope.js';
import { defaultSettings } from '../src/config/settings.js';
import type { CatalogSnapshot, PolicyInfo } from '../src/catalog/types.js';

/** Policy expressions as pg_get_expr prints them, judged on their parse tree. */

beforeAll(() => initSqlParser());

const comparison = {
  column: 'tenant_id',
  setting: 'app.tenant_id',
  helpers: [{ schema: 'app', name: 'current_tenant_id' }],
};
const problem = (e: string) => tenantRestrictionProblem(e, comparison);

const MISSING = "does not compare tenant_id with current_setting('app.tenant_id')";
const OR_BRANCH =
  "is an OR with a branch that does not compare tenant_id with current_setting('app.tenant_id'), so rows matching that branch are visible to every tenant";

describe('policy expressions restricting rows to the tenant', () => {
  it.each([
    "(tenant_id = (current_setting('app.tenant_id'::text))::uuid)",
    "((current_setting('app.tenant_id'::text))::uuid = tenant_id)",
    "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid)",
    "((tenant_id)::text = current_setting('APP.TENANT_ID'::text))",
    "(tenant_id = ( SELECT (current_setting('app.tenant_id'::text))::uuid AS current_setting))",
    '(tenant_id = app.current_tenant_id())',
    '(tenant_id = current_tenant_id())',
    "((tenant_id = (current_setting('app.tenant_id'::text))::bigint) AND (voided_at IS NULL))",
    "(((tenant_id = app.current_tenant_id()) AND (status = 'a'::text)) OR ((tenant_id = app.current_tenant_id()) AND (owner = CURRENT_USER)))",
    "(tenant_id = ANY (ARRAY[(current_setting('app.tenant_id'::text))::uuid]))",
    'app.current_tenant_id(tenant_id)',
  ])('passes %s', (e) => {
    expect(problem(e)).toBeUndefined();
  });

  it.each([
    ["(current_setting('app.tenant_id'::text, true) IS NOT NULL)", MISSING],
    ["(owner_id = (current_setting('app.tenant_id'::text))::uuid)", MISSING],
    ["(tenant_id = (current_setting('app.user_id'::text))::uuid)", MISSING],
    [
      "(tenant_id = COALESCE((current_setting('app.tenant_id'::text, true))::uuid, tenant_id))",
      MISSING,
    ],
    ['(tenant_id = other.current_tenant_id())', MISSING],
    ['other.current_tenant_id(tenant_id)', MISSING],
    ['app.current_tenant_id(owner_id)', MISSING],
    ["(tenant_id <> (current_setting('app.tenant_id'::text))::uuid)", MISSING],
    ['true', MISSING],
    [
      "(((tenant_id = (current_setting('app.tenant_id'::text))::bigint) AND (voided_at IS NULL)) OR (status = 'published'::text))",
      OR_BRANCH,
    ],
    ["((tenant_id = app.current_tenant_id()) OR (CURRENT_USER = 'reporting'::name))", OR_BRANCH],
    [
      "(tenant_id = ANY (ARRAY[(current_setting('app.tenant_id'::text))::uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid]))",
      MISSING,
    ],
  ])('rejects %s', (e, why) => {
    expect(problem(e)).toBe(why);
  });
});

describe('policies calling helpers of the tenant schema', () => {
  const body = "SELECT nullif(current_setting('app.tenant_id', true), '')::uuid";
  const snapshot = {
    tables: [],
    policies: [],
    functions: [
      { name: '$tenant.current_tenant_id()', body },
      { name: '$tenant.tenant_or_fail()', body: 'BEGIN RETURN current_tenant_id(); END' },
      { name: '$tenant.unrelated()', body: 'SELECT 1' },
    ],
  } as unknown as CatalogSnapshot;
  const scope = tenantScope(snapshot, {
    tenantColumn: 'tenant_id',
    tenantSetting: 'app.tenant_id',
    settings: defaultSettings().isolation,
    schema: 'public',
  });
  const policy = (using: string): PolicyInfo => ({
    name: 'p',
    table: '$tenant.t',
    command: 'ALL',
    permissive: true,
    roles: ['public'],
    using,
  });

  it('reads $tenant in the snapshot as the tenant schema, directly and through another helper', () => {
    expect(policyProblem(policy('(tenant_id = $tenant.current_tenant_id())'), scope)).toBe(
      undefined,
    );
    expect(policyProblem(policy('(tenant_id = $tenant.tenant_or_fail())'), scope)).toBe(undefined);
    expect(policyProblem(policy('(tenant_id = $tenant.unrelated())'), scope)).toBe(
      `its USING expression ${MISSING}`,
    );
  });
});
