import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation, at } from './gate-isolation-support.js';

beforeAll(() => initSqlParser());

const run = (name: string, tenantContext: object, extra: object = {}) =>
  shared(name, { settings: { isolation: { tenantContext } as never }, ...extra });

describe('kinds', () => {
  for (const [name, ctx, extra] of [
    ['context-jwt-claims', { kind: 'jwt' }, {}],
    ['context-jwt-claims-leak', { kind: 'jwt' }, {}],
    ['context-role-per-tenant', { kind: 'role' }, {}],
    ['context-role-per-tenant-leak', { kind: 'role' }, {}],
    ['context-setting', { kind: 'setting', setting: 'app.current_org', role: 'app_user' }, { tenantColumn: 'org_id' }],
    ['context-setting-leak', { kind: 'setting', setting: 'app.current_org', role: 'app_user' }, { tenantColumn: 'org_id' }],
    ['context-sql', { kind: 'sql', sql: "select set_config('app.tenant', $1, false)" }, {}],
    ['context-sql-leak', { kind: 'sql', sql: "select set_config('app.tenant', $1, false)" }, {}],
  ] as const)
    it(name, async () => {
      const r = await run(name, ctx, extra);
      console.log(name, JSON.stringify(isolation(r).map((f) => [f.rule, f.line, f.message, f.help]), null, 1));
    }, 60_000);
});
