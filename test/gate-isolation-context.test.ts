import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation, at } from './gate-isolation-support.js';

/** The tenant context `jwt` with a membership table, as basejump and Supabase apps use it. */

beforeAll(() => initSqlParser());

const MEMBERSHIP = {
  kind: 'jwt' as const,
  membership: { table: 'basejump.account_user', userColumn: 'user_id', tenantColumn: 'account_id' },
};

const supabase = (name: string) =>
  shared(`${name}/supabase/migrations`, {
    baseCount: 1,
    tenantColumn: 'account_id',
    settings: { isolation: { tenantContext: MEMBERSHIP } },
  });

describe('tenant context jwt with a membership table (preset supabase)', () => {
  it('passes accounts and account_user with policies on auth.uid(), without FORCE', async () => {
    const r = await supabase('context-supabase-membership');
    console.log(JSON.stringify(r.findings, null, 1));
    expect(isolation(r)).toEqual([]);
  }, 60_000);

  it('reports a policy that checks membership of any account, at the policy, rows counted', async () => {
    const name = 'context-supabase-membership-leak';
    const found = isolation(await supabase(name));
    console.log(JSON.stringify(found, null, 1));
  }, 60_000);
});
