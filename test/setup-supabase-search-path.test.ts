import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetOf } from '../src/config/preset.js';
import { brief, runFixture } from './helpers/run.js';

/**
 * usebasejump/basejump: `supabase/migrations` without `supabase/config.toml`, calling pgcrypto's
 * gen_random_bytes() and uuid-ossp's uuid_generate_v4() unqualified, as Supabase's `postgres`
 * role may (its search_path is `"$user", public, extensions`).
 */

const ROOT = resolve('fixtures/setup/supabase-no-config');

describe('a Supabase migrations folder without config.toml', () => {
  it('is detected as Supabase by the folder, and says so', () => {
    expect(presetOf(ROOT, 'supabase/migrations', undefined)).toEqual({
      name: 'supabase',
      reason: "the migrations are in supabase/migrations, the Supabase CLI's folder",
    });
    expect(presetOf(ROOT, 'supabase/migrations', 'none')).toBeUndefined();
    expect(presetOf(resolve('fixtures/setup/init-schema'), 'db/migrations', undefined)).toBe(
      undefined,
    );
  });

  it('resolves functions of the extensions schema unqualified after public, as Supabase does', async () => {
    const report = await runFixture('supabase/migrations', {
      repoRoot: ROOT,
      baseCount: 1,
      topology: 'shared',
      gates: ['replay'],
    });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
    expect(report.notes[0]).toMatch(
      /^preset supabase \(the migrations are in supabase\/migrations, the Supabase CLI's folder\): created roles/,
    );
  });
});
