import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { check, isolation, at } from './gate-isolation-support.js';

/** Schema topology: a shared-schema table a tenant migration creates gets the RLS rules. */

beforeAll(() => initSqlParser());

describe('isolation gate, schema topology, tables outside the tenant schemas', () => {
  it('passes tenant tables in the tenant schemas (nothing shared is touched)', async () => {
    expect(isolation(await check('schema-correct', 'schema'))).toEqual([]);
  }, 60_000);

  it('reports a shared table with the tenant column and no row-level security', async () => {
    const name = 'schema-shared-table-rls';
    const found = isolation(await check(name, 'schema'));
    expect(brief(found)).toEqual([
      at(name, '002_usage.up.sql', 1, 'cross-schema-write'),
      at(name, '002_usage.up.sql', 1, 'rls-not-enabled'),
    ]);
    expect(found[1].message).toBe(
      "table usage_events has the tenant column tenant_id but row-level security is not enabled: every tenant reads every tenant's rows",
    );
  }, 60_000);
});
