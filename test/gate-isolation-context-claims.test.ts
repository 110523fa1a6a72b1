import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser } from '../src/sql/split.js';
import { claimPaths, tokenClaims } from '../src/gates/isolation/claims.js';
import type { PolicyInfo } from '../src/catalog/types.js';

/** Where the jwt context's tokens carry the tenant id: the claim paths policies and helpers read. */

beforeAll(() => initSqlParser());

const policy = (using: string): PolicyInfo => ({
  name: 'p',
  table: 'public.t',
  command: 'ALL',
  permissive: true,
  roles: ['public'],
  using,
});

describe('claim paths', () => {
  it('reads chains on auth.jwt() and on the claims setting, as Postgres prints them', () => {
    expect(
      claimPaths(
        [
          policy(
            "(tenant_id = (((auth.jwt() -> 'app_metadata'::text) ->> 'tenant_id'::text))::uuid)",
          ),
          policy(
            "(org_id = (((current_setting('request.jwt.claims'::text, true))::jsonb ->> 'org_id'::text))::uuid)",
          ),
          policy("(user_id = ((auth.jwt() ->> 'sub'::text))::uuid)"),
        ],
        'request.jwt.claims',
      ),
    ).toEqual([['app_metadata', 'tenant_id'], ['org_id']]);
  });

  it('reads chains in the bodies of helper functions', () => {
    expect(
      claimPaths([], 'request.jwt.claims', [
        "select (current_setting('request.jwt.claims', true)::jsonb -> 'app_metadata' ->> 'org')::uuid",
        "begin return (auth.jwt() ->> 'workspace_id')::uuid; end",
      ]),
    ).toEqual([['app_metadata', 'org'], ['workspace_id']]);
  });

  it('puts the tenant id at every path of the token', () => {
    expect(
      JSON.parse(tokenClaims('u1', 'authenticated', [['app_metadata', 'org'], ['tid']], 'x')),
    ).toEqual({
      role: 'authenticated',
      aud: 'authenticated',
      sub: 'u1',
      app_metadata: { org: 'x' },
      tid: 'x',
    });
  });
});
