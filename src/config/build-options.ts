import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { gitEnv } from '../core/child-env.js';
import { isAbsolute, join, relative, resolve } from 'node:path';
import {
  FORMATS,
  PROVIDERS,
  TOPOLOGIES,
  type FailOn,
  type Format,
  type ProviderName,
  type TopologyKind,
} from '../core/model.js';
import { InputError } from '../core/errors.js';
import { loadConfig, type Config, type KnownIds } from './file.js';
import { settingsOf } from './settings.js';
import { composeHint } from './compose-hint.js';
import { composeDefaults } from './compose-defaults.js';
import { presetOf } from './preset.js';
import { checkDatabaseUrl } from './database-url.js';
import { imageOf } from './image.js';
import { tenantNames, type Options } from '../core/options.js';
import { relativeToRepo } from '../core/paths.js';
import {
  MIGRATION_ROLES,
  PRESETS,
  type MigrationRoleKind,
  type Preset,
  type Settings,
} from '../core/settings.js';

/** Raw values as the CLI or the Action receives them (strings, or undefined when not given). */
export interface RawInputs {
  dir?: string;
  base?: string;
  format?: string;
  topology?: string;
  tenants?: string;
  tenantColumn?: string;
  tenantSetting?: string;
  replicas?: string;
  provider?: string;
  databaseUrl?: string;
  pgVersion?: string;
  /** The docker provider's image (replaces `image:`). */
  image?: string;
  config?: string;
  failOn?: string;
  gates?: string;
  /** Comma-separated SQL files or globs run before the merged history (replaces `setup:`). */
  setup?: string;
  preset?: string;
  /** `admin` or `superuser` (replaces `migrationRole:`). */
  migrationRole?: string;
  /** Tenants replayed and checked at a time (replaces `parallel:`). */
  parallel?: string;
  /** A schema dump or snapshot folder (replaces `baseline:`). */
  baseline?: string;
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError(`${name}: expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new InputError(`${name}: expected a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** The git work tree holding `dir`, or `dir`'s parent chain's first existing folder. */
export function findRepoRoot(start: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: start,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: gitEnv(),
    })
      .toString()
      .trim();
  } catch {
    return start;
  }
}

/**
 * Builds the one validated Options object from raw inputs and the config file. Messages say
 * "expected X, got Y" and name the flag.
 */
export function buildOptions(raw: RawInputs, known: KnownIds, cwd = process.cwd()): Options {
  const dirArg = raw.dir ?? '.';
  const absDirGuess = isAbsolute(dirArg) ? dirArg : resolve(cwd, dirArg);
  const start = existsSync(absDirGuess) ? dirOf(absDirGuess) : cwd;
  // Outside git, paths are reported relative to the working directory when the migrations are
  // under it, else relative to the migration directory itself.
  const gitRoot = findRepoRoot(start);
  const repoRoot =
    gitRoot !== start || isGitRoot(start) ? gitRoot : isInside(start, cwd) ? cwd : start;
  const { config, path } = loadConfig(repoRoot, raw.config, known);
  const listed = Array.isArray(config.migrations) ? config.migrations : undefined;
  const dirInput =
    raw.dir ?? (typeof config.migrations === 'string' ? config.migrations : listed?.[0].dir) ?? '.';
  const absDir = isAbsolute(dirInput)
    ? dirInput
    : raw.dir
      ? resolve(cwd, dirInput)
      : resolve(repoRoot, dirInput);
  if (!existsSync(absDir)) throw new InputError(`migration directory ${dirInput} does not exist`);
  if (!statSync(absDir).isDirectory()) throw new InputError(`${dirInput} is not a directory`);
  const options = fromSources(
    raw,
    known,
    config,
    path,
    repoRoot,
    relativeToRepo(repoRoot, absDir) || '.',
  );
  // A directory on the command line checks that one set; the config's list checks them all.
  if (!listed || raw.dir !== undefined) return options;
  const first = raw.format === undefined && listed[0].format ? listed[0].format : options.format;
  if (listed.length < 2) return { ...options, format: first };
  const sets = listed.map((set, i) => {
    const abs = resolve(repoRoot, set.dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory())
      throw new InputError(
        `${path ?? '.schemagate.yml'}: migrations[${i}].dir: ${set.dir} is not a directory of the repository`,
      );
    return {
      dir: relativeToRepo(repoRoot, abs) || '.',
      format: i === 0 ? first : (set.format ?? 'auto'),
      ...(set.database ? { database: set.database } : {}),
    };
  });
  return { ...options, format: first, sets };
}

function isGitRoot(dir: string): boolean {
  return existsSync(join(dir, '.git'));
}

function isInside(dir: string, parent: string): boolean {
  const rel = relative(parent, dir);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function dirOf(p: string): string {
  return statSync(p).isDirectory() ? p : join(p, '..');
}

function fromSources(
  raw: RawInputs,
  known: KnownIds,
  config: Config,
  configFile: string | undefined,
  repoRoot: string,
  dir: string,
): Options {
  const flags = setupFlags(raw);
  const preset = presetOf(repoRoot, dir, flags.preset ?? config.preset);
  const topologyNotes: string[] = [];
  // A Supabase project keeps every user's rows in one database, kept apart by row-level security.
  if (raw.topology === undefined && config.topology === undefined && preset?.name === 'supabase')
    topologyNotes.push(`topology: shared, as a Supabase project is (${preset.reason})`);
  const topology =
    raw.topology !== undefined
      ? oneOf<TopologyKind>('--topology', raw.topology, TOPOLOGIES)
      : (config.topology ?? (topologyNotes.length ? 'shared' : 'schema'));
  const compose = composeDefaults(repoRoot, {
    replicas: raw.replicas === undefined && config.replicas === undefined,
    tenants: raw.tenants === undefined && config.tenants === undefined && topology === 'database',
  });
  const tenants =
    raw.tenants !== undefined
      ? tenantNames(integer('--tenants', raw.tenants, 1, 1000))
      : typeof config.tenants === 'number'
        ? tenantNames(config.tenants)
        : (config.tenants ?? compose.tenants ?? tenantNames(2));
  const format =
    raw.format !== undefined
      ? oneOf<Format | 'auto'>('--format', raw.format, ['auto', ...FORMATS])
      : (config.format ?? 'auto');
  const provider =
    raw.provider !== undefined
      ? oneOf<ProviderName>('--provider', raw.provider, PROVIDERS)
      : (config.provider ?? 'auto');
  const databaseUrl =
    raw.databaseUrl !== undefined
      ? checkDatabaseUrl('--database-url', raw.databaseUrl)
      : config.databaseUrl !== undefined
        ? checkDatabaseUrl(`${configFile}: databaseUrl`, config.databaseUrl)
        : undefined;
  if (provider === 'url' && !databaseUrl)
    throw new InputError('--provider url needs --database-url postgres://user:pass@host:port/db');
  return {
    repoRoot,
    dir,
    format,
    base: raw.base || undefined,
    topology,
    tenants,
    tenantColumn: raw.tenantColumn ?? config.tenantColumn ?? 'tenant_id',
    tenantSetting: raw.tenantSetting ?? config.tenantSetting ?? 'app.tenant_id',
    replicas:
      raw.replicas !== undefined
        ? integer('--replicas', raw.replicas, 0, 5)
        : (config.replicas ?? compose.replicas ?? 1),
    provider: databaseUrl && raw.provider === undefined && !config.provider ? 'url' : provider,
    databaseUrl,
    ...pgVersionOf(raw, config, repoRoot),
    ...imageChoice(raw, config, configFile, repoRoot),
    ...(compose.notes.length + topologyNotes.length
      ? { inputNotes: [...topologyNotes, ...compose.notes] }
      : {}),
    failOn:
      raw.failOn !== undefined
        ? oneOf<FailOn>('--fail-on', raw.failOn, ['blocker', 'warning', 'never'])
        : (config.failOn ?? 'blocker'),
    rules: config.rules ?? {},
    gates: raw.gates ? gateList(raw.gates, known.gates) : config.gates,
    settings: { ...settingsOf(config), ...flags },
    ...(Object.keys(flags).length ? { flagged: Object.keys(flags) } : {}),
    ...(raw.topology === undefined && config.topology === undefined && !topologyNotes.length
      ? { topologyDefault: true }
      : {}),
    configFile,
  };
}

/** `--setup a.sql,b/*.sql` and `--preset NAME` win over the config's `setup:` and `preset:`. */
function setupFlags(raw: RawInputs): Partial<Settings> {
  const setup = raw.setup
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    ...(setup?.length ? { setup } : {}),
    ...(raw.preset !== undefined ? { preset: oneOf<Preset>('--preset', raw.preset, PRESETS) } : {}),
    // A path on the command line is the shell's: relative to the working directory.
    ...(raw.baseline ? { baseline: resolve(raw.baseline) } : {}),
    ...(raw.parallel !== undefined
      ? { parallel: integer('--parallel', raw.parallel, 1, 256) }
      : {}),
    ...(raw.migrationRole !== undefined
      ? {
          migrationRole: oneOf<MigrationRoleKind>(
            '--migration-role',
            raw.migrationRole,
            MIGRATION_ROLES,
          ),
        }
      : {}),
  };
}

/** `--gates a,b`: ids of registered gates. */
function gateList(value: string, gates: readonly string[]): string[] {
  const ids = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const unknown = ids.filter((id) => !gates.includes(id));
  if (unknown.length > 0) {
    throw new InputError(
      `--gates: expected some of ${gates.join(', ')}, got "${unknown.join(', ')}"`,
    );
  }
  return ids;
}

/** --image, else the config's, else the compose file's Postgres image (see image.ts). */
function imageChoice(
  raw: RawInputs,
  config: Config,
  configFile: string | undefined,
  repoRoot: string,
): Pick<Options, 'image'> {
  const image = imageOf(
    {
      flag: raw.image,
      config: config.image,
      // As the report names files: relative to the repository (configFile is to the cwd).
      configFile: configFile && relativeToRepo(repoRoot, resolve(configFile)),
      pgVersion: raw.pgVersion ?? config.pgVersion,
    },
    repoRoot,
  );
  return image ? { image } : {};
}

/** --pg-version, else the config's, else the major of the repository's docker-compose Postgres. */
function pgVersionOf(
  raw: RawInputs,
  config: Config,
  repoRoot: string,
): Pick<Options, 'pgVersion' | 'pgVersionSource'> {
  const explicit = raw.pgVersion ?? config.pgVersion;
  if (explicit) return { pgVersion: explicit };
  const hint = composeHint(repoRoot);
  if (!hint) return {};
  return {
    pgVersion: hint.major,
    pgVersionSource: `Postgres ${hint.major} from ${hint.file} (service ${hint.service}, ${hint.dockerfile ? `built FROM ${hint.image} in ${hint.dockerfile}` : `image ${hint.image}`})`,
  };
}
