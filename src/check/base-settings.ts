/**
 * Settings that decide what PR code may reach are taken from the base branch. A pull request
 * edits `.schemagate.yml` as easily as its migrations: `migrationRole: superuser` would let its
 * SQL run programs on the runner, `passEnv:` would hand env.py the runner's variables, `python:`
 * would pick the interpreter Alembic's revision files run under. Such a change takes effect once
 * it is merged; a flag or an Action input (the workflow's own) still wins.
 */
import { execFileSync } from 'node:child_process';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { gitEnv } from '../core/child-env.js';
import type { Options } from '../core/options.js';

/** The guarded settings as the base commit's config file has them (absent: the default). */
interface BaseValues {
  migrationRole: 'admin' | 'superuser';
  passEnv: string[];
  python?: string;
}

/**
 * `options` with the guarded settings the PR's config changes set back to the base commit's
 * values, and one note per setting that was.
 */
export function settingsFromBase(
  options: Options,
  baseCommit: string | undefined,
): { options: Options; notes: string[] } {
  if (!baseCommit) return { options, notes: [] };
  const file = configPath(options);
  // A config file outside the repository is the workflow's (or the operator's), not the PR's.
  if (file === undefined) return { options, notes: [] };
  const base = baseValues(options.repoRoot, baseCommit, file);
  if (!base) return { options, notes: [] };
  const s = options.settings;
  const flagged = new Set(options.flagged ?? []);
  const notes: string[] = [];
  const settings = { ...s };
  const held = (key: string, from: string, to: string) =>
    notes.push(
      `${file}: this pull request changes ${key} (${from} at the base, ${to} here); settings that decide what migration code may reach take effect once merged, so this run keeps ${from}`,
    );
  if (
    !flagged.has('migrationRole') &&
    s.migrationRole === 'superuser' &&
    base.migrationRole !== 'superuser'
  ) {
    held('migrationRole', base.migrationRole, s.migrationRole);
    settings.migrationRole = base.migrationRole;
  }
  const added = s.passEnv.filter((name) => !base.passEnv.includes(name));
  if (added.length) {
    held('passEnv', `[${base.passEnv.join(', ')}]`, `[${s.passEnv.join(', ')}]`);
    settings.passEnv = s.passEnv.filter((name) => base.passEnv.includes(name));
  }
  if (s.python !== base.python) {
    held('python', base.python ?? 'unset', s.python ?? 'unset');
    if (base.python === undefined) delete settings.python;
    else settings.python = base.python;
  }
  return notes.length ? { options: { ...options, settings }, notes } : { options, notes };
}

/** The config file's path relative to the repository root; undefined when it lies outside. */
function configPath(options: Options): string | undefined {
  const path = options.configFile
    ? resolve(options.configFile)
    : join(options.repoRoot, '.schemagate.yml');
  const file = relative(options.repoRoot, path);
  if (file.startsWith('..') || isAbsolute(file)) return undefined;
  return file || '.schemagate.yml';
}

/**
 * The guarded values in the base commit's config file; the defaults when the base has no such
 * file or it does not parse. Undefined when git cannot read the base.
 */
function baseValues(repoRoot: string, commit: string, file: string): BaseValues | undefined {
  let text: string;
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], {
      cwd: repoRoot,
      stdio: 'ignore',
      env: gitEnv(),
    });
  } catch {
    return undefined;
  }
  try {
    text = execFileSync('git', ['show', `${commit}:./${file}`], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: gitEnv(),
    }).toString();
  } catch {
    text = '';
  }
  let raw: Record<string, unknown> = {};
  try {
    const doc: unknown = parse(text);
    if (doc && typeof doc === 'object') raw = doc as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const alembic = raw.alembic as Record<string, unknown> | undefined;
  const python = raw.python ?? alembic?.python;
  return {
    migrationRole: raw.migrationRole === 'superuser' ? 'superuser' : 'admin',
    passEnv: Array.isArray(raw.passEnv) ? raw.passEnv.map(String) : [],
    ...(typeof python === 'string' ? { python } : {}),
  };
}
