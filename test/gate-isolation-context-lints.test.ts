import { beforeAll, describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { initSqlParser } from '../src/sql/split.js';
import { shared, isolation } from './gate-isolation-support.js';

/**
 * Under the jwt tenant context (the default of a Supabase project), lints of the live database
 * in the spirit of Supabase's splinter, each at the PR's statement, and the signed-out role's
 * view of relations row-level security does not govern.
 */

beforeAll(() => initSqlParser());

const NAME = 'context-supabase-lints';
const FILE = `fixtures/isolation/${NAME}/supabase/migrations/20240610120000_teams.sql`;

describe('isolation lints under the jwt tenant context (preset supabase)', () => {
  it('reports each hazard at the statement that made it', async () => {
    const r = await shared(`${NAME}/supabase/migrations`, { tenantColumn: 'team_id' });
    const found = isolation(r);
    const f = (line: number, rule: string, severity = 'blocker') => ({
      gate: 'isolation',
      rule,
      severity,
      file: FILE,
      line,
    });
    expect(brief(found)).toEqual([
      f(1, 'api-table-without-rls'),
      f(15, 'auth-call-per-row', 'warning'),
      f(15, 'policy-user-metadata'),
      f(19, 'auth-call-per-row', 'warning'),
      f(30, 'policy-always-true', 'warning'),
      f(34, 'security-definer-search-path'),
      f(34, 'security-definer-tenant-access'),
      f(41, 'tenant-read-leak'),
      f(41, 'tenant-read-leak'),
      f(41, 'view-without-security-invoker'),
    ]);
    const messages = found.map((x) => x.message);
    expect(messages[0]).toBe(
      'table teams does not have row-level security enabled, yet anon and authenticated may read and write it: through the API every signed-in user and every anonymous visitor reads and changes every row',
    );
    // The plan is the proof: the call sits in the filter of the table's scan, once per row.
    expect(messages[1]).toMatch(
      /^policy Team members read documents on documents calls auth\.jwt\(\) once per row: the plan of SELECT on documents as authenticated evaluates it in the scan's filter \(.*current_setting\('request\.jwt\.claims?'/,
    );
    expect(messages[2]).toBe(
      "policy Team members read documents on documents (SELECT) reads user metadata ((team_id = (((auth.jwt() -> 'user_metadata'::text) ->> 'team_id'::text))::uuid)): every user can set their own user_metadata, so they can claim any tenant or role it names",
    );
    expect(messages[3]).toMatch(
      /^policy Owners edit documents on documents calls auth\.uid\(\) once per row: the plan of UPDATE on documents as authenticated evaluates it in the scan's filter \(.*current_setting\('request\.jwt\.claim\.sub'/,
    );
    expect(found[3].help).toBe(
      'Wrap each call in a sub-select so that Postgres evaluates it once per statement (an init plan): (select auth.uid()).',
    );
    expect(messages[4]).toBe(
      'policy Anyone signed in can fix feedback on feedback (UPDATE) is always true (USING true) for authenticated: every API user may update any row of feedback',
    );
    expect(messages[7]).toBe(
      "acting as a tenant (role authenticated, request.jwt.claims of that tenant), SELECT on view document_titles returns other tenants' rows: as tenant-a: 1 row(s) of tenant-b, 1 row(s) of tenant-c; as tenant-b: 1 row(s) of tenant-a, 1 row(s) of tenant-c; as tenant-c: 1 row(s) of tenant-a, 1 row(s) of tenant-b",
    );
    expect(messages[8]).toBe(
      'acting as the signed-out role anon, SELECT on view document_titles returns 3 row(s) of tenants tenant-a, tenant-b, tenant-c: row-level security does not govern it, so no policy limits what anon sees',
    );
  }, 90_000);
});

describe('a per-user Supabase project, with no tenant column', () => {
  const name = 'context-supabase-profiles-trigger';
  const file = `fixtures/isolation/${name}/supabase/migrations/20240315143000_handle_new_user.sql`;

  it('still reports a SECURITY DEFINER trigger function without a fixed search_path', async () => {
    const r = await shared(`${name}/supabase/migrations`);
    const found = isolation(r);
    expect(brief(found)).toEqual([
      {
        gate: 'isolation',
        rule: 'security-definer-search-path',
        severity: 'blocker',
        file,
        line: 2,
      },
      {
        gate: 'isolation',
        rule: 'tenant-column-missing',
        severity: 'warning',
        file: undefined,
        line: undefined,
      },
    ]);
    expect(found[0].message).toBe(
      "SECURITY DEFINER function handle_new_user() has no fixed search_path: a caller can put objects of its own in front of the ones it means and run them with the owner's rights",
    );
  });
});
