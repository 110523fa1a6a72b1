/**
 * Which scripts below a Flyway migration folder production's Flyway sees. Flyway (and Spring
 * Boot's `classpath:db/migration`) scans a location and every folder below it, so versions are
 * ordered across subfolders. Projects keep one environment's scripts in a folder of its own
 * (`common/` plus `dev/` or `prod/`, where dev and prod may reuse a version) and put only that
 * environment's folder on its locations; `flyway.locations` names the folders production scans.
 * Without it, folders named after a non-production environment or another database are passed
 * over, and a version two other folders both hold is an input error that says which setting picks.
 */
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { InputError } from '../core/errors.js';
import { listSqlFilesBelow, repoPath, type MigrationDir } from './files.js';

/** Folder names that hold a non-production environment's scripts. */
const ENVIRONMENT_FOLDERS = new Set(['dev', 'development', 'local', 'test', 'testdata']);
/** Folder names of other databases' scripts (Spring Boot's `db/migration/{vendor}`). */
const VENDOR_FOLDERS = new Set([
  'h2',
  'hsqldb',
  'derby',
  'mysql',
  'mariadb',
  'oracle',
  'sqlserver',
  'db2',
  'sqlite',
]);

export interface FlywayScripts {
  /** `.sql` files relative to the migration folder, `/`-separated. */
  paths: string[];
  /** Subfolders passed over, relative to the migration folder, with why and how many files. */
  skipped: Array<{ folder: string; why: 'environment' | 'database'; files: number }>;
  /** The subfolders `flyway.locations` chose, when it is set. */
  chosen?: string[];
}

export async function flywayScripts(
  dir: MigrationDir,
  locations: string[] | undefined,
): Promise<FlywayScripts> {
  if (locations?.length) return chosenScripts(dir, locations);
  const skipped = new Map<string, FlywayScripts['skipped'][number]>();
  const paths: string[] = [];
  for (const path of await listSqlFilesBelow(dir.abs)) {
    const folders = path.split('/').slice(0, -1);
    const at = folders.findIndex(
      (f) => ENVIRONMENT_FOLDERS.has(f.toLowerCase()) || VENDOR_FOLDERS.has(f.toLowerCase()),
    );
    if (at < 0) {
      paths.push(path);
      continue;
    }
    const folder = folders.slice(0, at + 1).join('/');
    const why = ENVIRONMENT_FOLDERS.has(folders[at].toLowerCase()) ? 'environment' : 'database';
    const entry = skipped.get(folder) ?? { folder, why, files: 0 };
    entry.files++;
    skipped.set(folder, entry);
  }
  return { paths, skipped: [...skipped.values()] };
}

/** The scripts in the folders `flyway.locations` names, each scanned with its subfolders. */
async function chosenScripts(dir: MigrationDir, locations: string[]): Promise<FlywayScripts> {
  const chosen = locations.map((l) => subfolderOf(dir, l));
  const paths = new Set<string>();
  for (const [i, sub] of chosen.entries()) {
    const info = await stat(posix.join(dir.abs, sub)).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw new InputError(
        `flyway.locations: ${locations[i]} names ${repoPath(dir, sub)}, which is not a folder; name folders below ${dir.rel}, e.g. [common, prod]`,
      );
    }
    const found = await listSqlFilesBelow(posix.join(dir.abs, sub));
    for (const p of found) paths.add(sub === '.' ? p : `${sub}/${p}`);
  }
  return { paths: [...paths].sort(), skipped: [], chosen };
}

/**
 * A location as a folder relative to the migration folder. `prod`, `classpath:db/migration/prod`
 * and `filesystem:src/main/resources/db/migration/prod` all name `prod/` of
 * `src/main/resources/db/migration`: the longest tail of the migration folder's path that begins
 * the location is dropped. Spring's `{vendor}` is `postgresql`.
 */
export function subfolderOf(dir: MigrationDir, location: string): string {
  const path = location
    .trim()
    .replace(/^(classpath|filesystem):/, '')
    .replace(/\{vendor\}/g, 'postgresql')
    .replace(/^\/+|\/+$/g, '');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  const own = dir.rel === '.' ? [] : dir.rel.split('/');
  for (let n = Math.min(own.length, parts.length); n > 0; n--) {
    if (own.slice(own.length - n).join('/') === parts.slice(0, n).join('/')) {
      return parts.slice(n).join('/') || '.';
    }
  }
  if (parts.includes('..')) {
    throw new InputError(
      `flyway.locations: ${location} is outside ${dir.rel}; name folders below the migration folder`,
    );
  }
  return parts.join('/') || '.';
}

/** Notes for the folders passed over, naming them and the setting that would read them. */
export function skippedNotes(dir: MigrationDir, scripts: FlywayScripts): string[] {
  return scripts.skipped.map(({ folder, why, files }) => {
    const what =
      why === 'environment'
        ? 'a non-production environment'
        : `another database (${folder.split('/').pop()})`;
    return `${repoPath(dir, folder)}/ holds ${files} .sql file(s) for ${what}: not replayed, taken as a folder production's Flyway does not scan; flyway.locations in .schemagate.yml names the folders it scans`;
  });
}

/** The folder directly below the migration folder a script is in (`.` for the folder itself). */
function topFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

/**
 * Two scripts in different folders with one version (or one repeatable description): Flyway
 * fails with "Found more than one migration with version" when both are on its locations, so
 * the folders production scans must be named. `key` is undefined for what is not versioned.
 */
export function assertNoClashAcrossFolders<T extends { path: string }>(
  dir: MigrationDir,
  scripts: T[],
  key: (s: T) => string | undefined,
): void {
  const first = new Map<string, T>();
  for (const s of scripts) {
    const k = key(s);
    if (k === undefined) continue;
    const earlier = first.get(k);
    if (!earlier) {
      first.set(k, s);
      continue;
    }
    if (posix.dirname(earlier.path) === posix.dirname(s.path)) continue;
    const keep = [...new Set(scripts.map((x) => topFolder(x.path)))].filter(
      (f) => f !== topFolder(s.path),
    );
    const [what, flyway] = k.startsWith('R__')
      ? [`the repeatable migration ${k}`, `repeatable migration with description ${k.slice(3)}`]
      : [`version ${k}`, `migration with version ${k}`];
    throw new InputError(
      `${repoPath(dir, earlier.path)} and ${repoPath(dir, s.path)} are both Flyway ${what}, in different folders: Flyway fails with "Found more than one ${flyway}" when both folders are on its locations, so production scans only one of them. Set flyway.locations in .schemagate.yml to the folders production's Flyway scans, e.g. flyway: { locations: [${keep.join(', ')}] }`,
    );
  }
}
