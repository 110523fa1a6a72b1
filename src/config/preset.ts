import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Preset } from '../core/settings.js';

export interface ChosenPreset {
  name: Exclude<Preset, 'none'>;
  /** Why, as the report says it: `preset: supabase`, or `supabase/config.toml exists`. */
  reason: string;
}

/**
 * `preset:` as set, else `supabase` when a Supabase project's `supabase/config.toml` sits beside
 * the migrations (`supabase/migrations`) or at the repository root; `none` turns that off.
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
  return found ? { name: 'supabase', reason: `${relative(repoRoot, found)} exists` } : undefined;
}

function isSupabaseConfig(path: string): boolean {
  return /^\s*(project_id\s*=|\[(api|db|auth)\])/m.test(readFileSync(path, 'utf8'));
}
