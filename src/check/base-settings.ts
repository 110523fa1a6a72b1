/**
 * Settings that decide what PR code may reach are taken from the base branch. A pull request
 * edits `.schemagate.yml` as easily as its migrations: `migrationRole: superuser` would let its
 * SQL run programs on the runner, `passEnv:` would hand env.py the runner's variables, `python:`
 * would pick the interpreter Alembic's revision files run under, and `image:` (or the compose
 * file's Postgres image) the program the docker provider runs with the network of the runner.
 * Such a change takes effect once it is merged; a flag or an Action input (the workflow's own)
 * still wins.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ImageChoice, Options } from '../core/options.js';
import { git } from '../plan/plan.js';
import { dockerfilePathOf } from '../config/dockerfile.js';
import { composeImage } from '../config/image.js';

/** The guarded settings as the base commit's config file has them (absent: the default). */
interface BaseValues {
  migrationRole: 'admin' | 'superuser';
  passEnv: string[];
  python?: string;
  image?: string;
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
  const image = imageFromBase(options, baseCommit, file, base);
  if (image) notes.push(image.note);
  if (!notes.length) return { options, notes };
  const guarded: Options = { ...options, settings };
  if (image) {
    if (image.choice) guarded.image = image.choice;
    else delete guarded.image;
  }
  return { options: guarded, notes };
}

/**
 * The docker provider's image as the base commit chooses it, when the PR's config file or
 * compose file chose another; undefined when the PR changed nothing there (or a flag chose it).
 */
function imageFromBase(
  options: Options,
  baseCommit: string,
  file: string,
  base: BaseValues,
): { choice?: ImageChoice; note: string } | undefined {
  const now = options.image?.name;
  if (!now || options.image?.source === '--image') return undefined;
  const before = base.image
    ? { name: base.image, source: `${file} at the base` }
    : composeImageAt(options.repoRoot, baseCommit);
  if (before?.name === now) return undefined;
  const kept = before?.name ?? "the provider's default";
  return {
    ...(before ? { choice: before } : {}),
    note: `${options.image!.source}: this pull request changes the Postgres image (${kept} at the base, ${now} here); the image the docker provider runs takes effect once merged, so this run keeps ${kept}`,
  };
}

/** The compose file's Postgres image in the base commit, read from a copy of its compose file. */
function composeImageAt(repoRoot: string, commit: string): ImageChoice | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sg-base-compose-'));
  try {
    const names = tryGit(repoRoot, ['ls-tree', '--name-only', commit])?.split('\n') ?? [];
    for (const name of names) {
      if (!/^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/.test(name)) continue;
      const text = tryGit(repoRoot, ['show', `${commit}:./${name}`]);
      if (text === undefined) continue;
      writeFileSync(join(dir, name), text);
      // A service built from a Dockerfile runs the image the Dockerfile starts FROM.
      for (const path of dockerfilesOf(text)) {
        const dockerfile = tryGit(repoRoot, ['show', `${commit}:./${path}`]);
        if (dockerfile === undefined) continue;
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), dockerfile);
      }
    }
    const found = composeImage(dir);
    return found?.image
      ? { name: found.image, source: `${found.file} service ${found.service} at the base` }
      : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Dockerfiles a compose file's services are built from, relative to the repository root. */
function dockerfilesOf(composeText: string): string[] {
  try {
    const services = Object.values<any>(parse(composeText)?.services ?? {});
    return services.flatMap((def) => dockerfilePathOf(def?.build) ?? []);
  } catch {
    return [];
  }
}

/** A git command's output in the repository; undefined when it fails. */
function tryGit(repoRoot: string, args: string[]): string | undefined {
  try {
    return git(repoRoot, args);
  } catch {
    return undefined;
  }
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
  if (tryGit(repoRoot, ['cat-file', '-t', `${commit}^{commit}`]) === undefined) return undefined;
  const text = tryGit(repoRoot, ['show', `${commit}:./${file}`]) ?? '';
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
    ...(typeof raw.image === 'string' ? { image: raw.image.trim() } : {}),
  };
}
