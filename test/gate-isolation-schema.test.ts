import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import { extensionFindings } from '../src/gates/isolation/extensions.js';
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

  it('reports CREATE EXTENSION that a per-tenant run would install in one tenant, or fail on', async () => {
    const name = 'schema-extensions';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([
      at(name, '002_api_keys.down.sql', 2, 'cross-schema-write'),
      at(name, '002_api_keys.up.sql', 2, 'cross-schema-write'),
    ]);
    expect(found[0].message).toBe(
      "a tenant's down drops extension hstore, which exists once for the database: rolling back one tenant removes it for every tenant, or fails (SQLSTATE 2BP01) when other tenants' objects depend on it",
    );
    expect(found[1].message).toBe(
      'CREATE EXTENSION pgcrypto runs once per tenant, but an extension exists once per database: without SCHEMA, the first tenant\'s run installs pgcrypto in that tenant\'s schema (the head of its search_path), and every later tenant fails: its functions and types resolve for the first tenant only; without IF NOT EXISTS, every tenant\'s run after the first fails with "extension "pgcrypto" already exists"',
    );
    expect(found[1].help).toBe(
      'Install it once for the database, in a shared schema: CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public; (or in a migration that runs once, outside the tenant loop).',
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

describe('CREATE EXTENSION in a tenant migration', () => {
  const findingsFor = (sql: string, existing: string[]) =>
    extensionFindings(splitStatements(sql, 'm/2.sql'), new Set(existing)).map((f) => [
      f.rule,
      f.line,
      f.message,
    ]);

  it('reports an extension already installed and created again without IF NOT EXISTS', () => {
    expect(findingsFor('CREATE EXTENSION pgcrypto SCHEMA public;', ['pgcrypto'])).toEqual([
      [
        'cross-schema-write',
        1,
        'extension pgcrypto is already installed in the database before this migration, and CREATE EXTENSION without IF NOT EXISTS fails on it: every tenant\'s run stops here with "extension "pgcrypto" already exists"',
      ],
    ]);
  });

  it('accepts IF NOT EXISTS with a schema, or on an extension already there', () => {
    expect(findingsFor('CREATE EXTENSION IF NOT EXISTS pgcrypto SCHEMA public;', [])).toEqual([]);
    expect(findingsFor('CREATE EXTENSION IF NOT EXISTS pgcrypto;', ['pgcrypto'])).toEqual([]);
  });
});
