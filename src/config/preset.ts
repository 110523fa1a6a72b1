import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Preset } from '../core/settings.js';

export interface ChosenPreset {
  name: Exclude<Preset, 'none'>;
  /** Why, as the report says it: `preset: supabase`, or `supabase/config.toml exists`. */
  reason: string;
}

/**
 * `preset:` as set, else `supabase` when a Supabase project's `supabase/config.toml` sits beside
 * the migrations (`supabase/migrations`) or at the repository root, or when the migrations are a
 * folder `migrations` in a folder `supabase` (the Supabase CLI's layout); `none` turns that off.
 */
export function presetOf(
  repoRoot: string,
  dir: string,
  setting: Preset | undefined,
): ChosenPreset | undefined {
  if (setting === 'supabase') return { name: 'supabase', reason: 'preset: supabase' };
  if (setting === 'none') return undefined;
  const candidates = [
    join(dirname(join(repoRoot, dir)), 'config.toml'),
    join(repoRoot, 'supabase', 'config.toml'),
  ];
  const found = candidates.find(
    (c) => basename(dirname(c)) === 'supabase' && existsSync(c) && isSupabaseConfig(c),
  );
  if (found) return { name: 'supabase', reason: `${relative(repoRoot, found)} exists` };
  // A Supabase project whose config.toml is not checked in (usebasejump/basejump): the folder
  // the Supabase CLI reads migrations from, `supabase/migrations`.
  const migrations = resolve(repoRoot, dir);
  if (basename(migrations) === 'migrations' && basename(dirname(migrations)) === 'supabase')
    return {
      name: 'supabase',
      reason: `the migrations are in ${relative(repoRoot, migrations) || 'migrations'}, the Supabase CLI's folder`,
    };
  return undefined;
}

function isSupabaseConfig(path: string): boolean {
  return /^\s*(project_id\s*=|\[(api|db|auth)\])/m.test(readFileSync(path, 'utf8'));
}
