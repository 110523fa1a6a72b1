import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { check, isolation, at } from './gate-isolation-support.js';

/** Schema-per-tenant boundaries, through the engine. */

beforeAll(() => initSqlParser());

describe('isolation gate, schema topology', () => {
  it('passes a clean schema-per-tenant migration', async () => {
    const r = await check('schema-correct', 'schema');
    expect(r.findings).toEqual([]);
  }, 30_000);

  it('reports a schema-qualified object outside the tenant schema', async () => {
    const name = 'schema-cross-schema-write';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([at(name, '002_audit.up.sql', 3, 'cross-schema-write')]);
    expect(found[0].message).toBe(
      "a tenant migration touches public.audit_log, outside the tenant's schema: it runs once per tenant against the same object, or writes one tenant's data from every tenant's migration",
    );
  }, 30_000);

  it('reports SET search_path in a tenant migration', async () => {
    const name = 'schema-search-path';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([at(name, '002_settings.up.sql', 1, 'search-path-change')]);
  }, 30_000);

  it('reports an object that references another tenant schema, once', async () => {
    const name = 'schema-cross-tenant-reference';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([
      at(name, '002_all_users.up.sql', 1, 'cross-tenant-reference', 'tenant_2'),
    ]);
    expect(found[0].message).toBe(
      "view all_users in tenant tenant_2 references schema tenant_1, which belongs to another tenant: tenant_2 reads or depends on that tenant's data",
    );
  }, 30_000);

  it('reports tenants whose catalogs differ after the PR', async () => {
    const name = 'schema-drift';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([at(name, '002_nickname.up.sql', 1, 'tenant-drift', 'tenant_2')]);
    expect(found[0].message).toBe(
      "after the PR, tenant tenant_2's catalog differs from tenant_1's: column users.nickname exists only in tenant_1",
    );
  }, 30_000);
});
