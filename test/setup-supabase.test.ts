import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';

/**
 * A Supabase project as `supabase init` lays it out (supabase/config.toml, supabase/migrations,
 * supabase/seed.sql), checked through dist/cli.js as a user runs it: the preset builds what the
 * platform provides (roles, auth.users, auth.uid(), storage, the realtime publication) and the
 * merged migrations, which reference all of it, replay.
 */

const FIXTURE = resolve('fixtures/setup/supabase-project');
const root = mkdtempSync(join(tmpdir(), 'sg-supabase-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function git(...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: root,
  });
  if (r.status !== 0) throw new Error(r.stderr.toString());
}

/** The base commit holds the first migration; each later commit adds one. */
function commit(message: string, ...files: string[]): void {
  git('add', ...files);
  git('commit', '-q', '-m', message);
}

function cli(...args: string[]): { code: number | null; report: Report; stderr: string } {
  const json = join(root, 'report.json');
  const r = spawnSync(
    process.execPath,
    [resolve('dist/cli.js'), 'check', ...args, '--provider', 'embedded', '--json', json],
    { cwd: root, env: { ...process.env, SCHEMAGATE_PROGRESS: 'off', NO_COLOR: '1' } },
  );
  return {
    code: r.status,
    report: JSON.parse(readFileSync(json, 'utf8')) as Report,
    stderr: r.stderr.toString(),
  };
}

const PRESET_NOTE =
  'preset supabase (supabase/config.toml exists): created roles anon, authenticated, service_role, authenticator, supabase_admin, supabase_auth_admin, supabase_storage_admin, supabase_realtime_admin, dashboard_user, pgbouncer; schemas auth, storage, extensions, graphql, graphql_public, realtime; auth.users, auth.identities, auth.sessions, auth.refresh_tokens, auth.mfa_factors, auth.mfa_challenges, auth.uid(), auth.role(), auth.email(), auth.jwt(), storage.buckets, storage.objects, realtime.messages, realtime.topic(), realtime.send(), realtime.broadcast_changes(); extensions pgcrypto, uuid-ossp in schema extensions; publication supabase_realtime';

describe('a Supabase project', () => {
  cpSync(FIXTURE, root, { recursive: true });
  git('init', '-q');
  commit(
    'profiles',
    'supabase/config.toml',
    'supabase/seed.sql',
    'supabase/migrations/20240108120000_create_profiles.sql',
  );
  commit('todos', 'supabase/migrations/20240215093000_create_todos.sql');

  it('replays through the preset and passes: `schemagate check supabase/migrations`', () => {
    const { code, report, stderr } = cli('supabase/migrations', '--base', 'HEAD~1');
    expect(report.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(report.status).toBe('passed');
    expect(report.topology.kind).toBe('shared');
    expect(report.migrations.map((m) => [m.file, m.state])).toEqual([
      ['supabase/migrations/20240108120000_create_profiles.sql', 'merged'],
      ['supabase/migrations/20240215093000_create_todos.sql', 'new'],
    ]);
    expect(report.notes).toEqual(
      expect.arrayContaining([
        'topology: shared, as a Supabase project is (supabase/config.toml exists)',
        PRESET_NOTE,
      ]),
    );
    // auth.users is seeded like the project's own tables; the profiles its trigger made for each
    // user are kept, not seeded a second time (which collided on their primary key).
    expect(report.notes.filter((n) => n.includes('did not seed'))).toEqual([]);
    expect(report.steps.filter((s) => s.action.startsWith('gate ')).map((s) => s.action)).toEqual(
      expect.arrayContaining(['gate replay', 'gate locks', 'gate isolation']),
    );
    expect(report.findings.filter((f) => f.severity === 'blocker')).toEqual([]);
  });

  it('from the repository root with `migrations: supabase/migrations`, and blocks a rewrite', () => {
    writeFileSync(join(root, '.schemagate.yml'), 'migrations: supabase/migrations\nreplicas: 0\n');
    writeFileSync(
      join(root, 'supabase/migrations/20240301100000_profile_karma.sql'),
      'alter table public.profiles add column karma integer not null default floor(random() * 100);\n',
    );
    commit('karma', '.schemagate.yml', 'supabase/migrations/20240301100000_profile_karma.sql');
    const { code, report, stderr } = cli('--base', 'HEAD~1');
    expect(report.error, stderr).toBeUndefined();
    expect(report.notes).toContain(PRESET_NOTE);
    expect(
      report.findings.filter((f) => f.severity === 'blocker').map((f) => [f.rule, f.file, f.line]),
    ).toEqual([['table-rewrite', 'supabase/migrations/20240301100000_profile_karma.sql', 1]]);
    expect(report.status).toBe('blocked');
    expect(code).toBe(1);
  });

  it('without the preset the merged history cannot build: exit 3 with the diagnosis', () => {
    const { code, report } = cli('--base', 'HEAD~1', '--preset', 'none', '--topology', 'shared');
    expect(code).toBe(3);
    expect(report.status).toBe('error');
    expect(report.setupError).toMatchObject({
      file: 'supabase/migrations/20240108120000_create_profiles.sql',
      line: 1,
    });
  });
});
