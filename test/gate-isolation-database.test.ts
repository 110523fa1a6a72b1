import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { check, isolation, at } from './gate-isolation-support.js';

/** Database-per-tenant boundaries, through the engine. */

beforeAll(() => initSqlParser());

describe('isolation gate, database topology', () => {
  it('passes a clean database-per-tenant migration', async () => {
    const r = await check('database-correct', 'database');
    expect(r.findings).toEqual([]);
  }, 30_000);

  it('reports dblink: the extension and the call', async () => {
    const name = 'database-dblink';
    const found = isolation(await check(name, 'database'));
    expect(brief(found)).toEqual([
      at(name, '002_report.up.sql', 1, 'cross-database-access'),
      at(name, '002_report.up.sql', 3, 'cross-database-access'),
    ]);
    expect(found.map((f) => f.message)).toEqual([
      "the migration installs the dblink extension: with a database per tenant, a connection to another database reads or writes another tenant's data",
      "the migration calls dblink: with a database per tenant, a connection to another database reads or writes another tenant's data",
    ]);
  }, 30_000);

  it('reports catalog drift between tenant databases', async () => {
    const name = 'database-drift';
    const found = isolation(await check(name, 'database'));
    expect(brief(found)).toEqual([at(name, '002_nickname.up.sql', 1, 'tenant-drift', 'tenant_2')]);
    expect(found[0].message).toBe(
      "after the PR, tenant tenant_2's catalog differs from tenant_1's: index users_email_lower_idx exists only in tenant_2",
    );
  }, 30_000);
});
