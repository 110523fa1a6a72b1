/**
 * The bounded search of a repository for migration folders, when the folder checked (the
 * repository root, as the Action checks without a `migrations` input) holds none and no usual
 * folder below it does: monorepos keep them at `packages/prisma/migrations`,
 * `packages/db/prisma/postgres/migrations`, `packages/database/migration`. A folder counts only
 * by a format's own markers (a Prisma `migration_lock.toml` beside `{timestamp}_{name}/`
 * folders, a drizzle `meta/_journal.json`, an `alembic.ini`, a `sqlc.yaml`, files named or
 * annotated as golang-migrate, Flyway, goose or dbmate name them), not by loose `.sql` files,
 * except in a folder named `migrations` (Supabase's `supabase/migrations`).
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { FormatModule } from './format.js';
import { peekText } from './files.js';
import { readSqlcConfig } from './sqlc.js';

export const SEARCH_DEPTH = 8;
/** Files and folders listed before the search gives up: a checkout, not a disk, is searched. */
export const SEARCH_BUDGET = 20_000;
/** Folders that hold dependencies, build output or test data, never a deployed history. */
export const SKIPPED_FOLDERS = [
  'node_modules',
  'vendor',
  'dist',
  'build',
  'target',
  'test',
  'tests',
  'fixtures',
  'examples',
  'testdata',
];

export interface FoundFolder {
  /** Repository-relative. */
  dir: string;
  format: string;
}

export interface FolderSearch {
  /** Folders a format recognises whose database is PostgreSQL. */
  found: FoundFolder[];
  /** Folders a format recognises that hold another database's migrations. */
  otherDatabases: Array<FoundFolder & { database: string }>;
  folders: number;
  files: number;
  /** The budget ran out before every folder was listed. */
  truncated: boolean;
}

const SQL_FILE = /\.sql$/i;
const PRISMA_FOLDER = /^\d+_.+/;
const SQLC_CONFIGS = ['sqlc.yaml', 'sqlc.yml', 'sqlc.json'];
const SQL_FORMATS = ['golang-migrate', 'flyway', 'goose', 'dbmate'];
const MIGRATIONS_NAMES = ['migrations', 'migration'];

/** A migrations folder's subfolder for one database (`store/migration/postgres`). */
const POSTGRES_NAMES = ['postgres', 'postgresql', 'pg'];

/** Plain runners' own files beside their .sql files: Atlas' checksum, tern's config. */
const PLAIN_RUNNER_FILES = ['atlas.sum', 'tern.conf'];

/** Plain runners' own markers in a file: sql-migrate's sections, tern's split line. */
const PLAIN_RUNNER_TEXT = /^--\s*\+migrate\s+up\b|^----\s*create above\s*\/\s*drop below\s*----/im;

/** The formats whose markers a folder's own entries show, in the order to try them. */
function candidateFormats(abs: string, entries: Dirent[]): string[] {
  const name = basename(abs).toLowerCase();
  const parent = basename(dirname(abs)).toLowerCase();
  const files = new Set(entries.filter((e) => e.isFile()).map((e) => e.name));
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const out: string[] = [];
  if (SQLC_CONFIGS.some((c) => files.has(c))) out.push('sqlc');
  if (files.has('alembic.ini') || (files.has('env.py') && dirs.includes('versions')))
    out.push('alembic');
  if (files.has('migration_lock.toml') || dirs.some((d) => PRISMA_FOLDER.test(d)))
    out.push('prisma');
  if (dirs.includes('meta')) out.push('drizzle');
  if ([...files].some((f) => SQL_FILE.test(f))) {
    out.push(...SQL_FORMATS);
    if (
      MIGRATIONS_NAMES.includes(name) ||
      (POSTGRES_NAMES.includes(name) && /migrat/.test(parent)) ||
      PLAIN_RUNNER_FILES.some((f) => files.has(f))
    )
      out.push('plain');
  } else if (MIGRATIONS_NAMES.includes(name) && dirs.length > 0) {
    // Flyway's db/migration with its scripts in subfolders (common/, prod/), which it scans.
    out.push('flyway');
  }
  return out;
}

/** The database a recognised folder's own settings name when it is not PostgreSQL. */
async function otherDatabase(abs: string, format: string): Promise<string | undefined> {
  if (format === 'prisma') {
    const lock = await peekText(join(abs, 'migration_lock.toml'));
    const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(lock ?? '')?.[1];
    return provider && provider !== 'postgresql' ? provider : undefined;
  }
  if (format === 'drizzle') {
    const journal = await peekText(join(abs, 'meta', '_journal.json'));
    const dialect = /"dialect"\s*:\s*"([^"]*)"/.exec(journal ?? '')?.[1];
    return dialect && !['postgresql', 'pg'].includes(dialect) ? dialect : undefined;
  }
  return undefined;
}

async function recognise(
  modules: FormatModule[],
  abs: string,
  entries: Dirent[],
): Promise<FormatModule | undefined> {
  const candidates = candidateFormats(abs, entries);
  for (const format of candidates) {
    const module = modules.find((m) => m.format === format);
    if (module && (await module.detect(abs).catch(() => undefined))) return module;
  }
  // A plain runner's annotations in the folder's first .sql file (convoy's sql/, nakama's migrate/sql).
  const first = entries
    .filter((e) => e.isFile() && SQL_FILE.test(e.name))
    .map((e) => e.name)
    .sort()[0];
  const plain = modules.find((m) => m.format === 'plain');
  if (!first || !plain || candidates.includes('plain')) return undefined;
  if (!PLAIN_RUNNER_TEXT.test((await peekText(join(abs, first))) ?? '')) return undefined;
  return (await plain.detect(abs).catch(() => undefined)) ? plain : undefined;
}

/** sqlc's schema folders are read through its config: not a second set of their own. */
async function withoutSqlcSchemas(repoRoot: string, found: FoundFolder[]): Promise<FoundFolder[]> {
  const schemas: string[] = [];
  for (const f of found.filter((x) => x.format === 'sqlc')) {
    for (const name of SQLC_CONFIGS) {
      const config = await readSqlcConfig(repoRoot, join(repoRoot, f.dir, name)).catch(
        () => undefined,
      );
      if (config) schemas.push(...config.schema.map((s) => posix.normalize(s)));
    }
  }
  const inside = (dir: string) => schemas.some((s) => dir === s || dir.startsWith(`${s}/`));
  return found.filter((f) => f.format === 'sqlc' || !inside(f.dir));
}

/**
 * Breadth-first below `abs` (repository-relative `rel`) to SEARCH_DEPTH, passing over hidden
 * folders and SKIPPED_FOLDERS and not descending into a recognised folder.
 */
export async function searchMigrationFolders(
  modules: FormatModule[],
  repoRoot: string,
  abs: string,
  rel: string,
  budget = SEARCH_BUDGET,
): Promise<FolderSearch> {
  const result: FolderSearch = {
    found: [],
    otherDatabases: [],
    folders: 0,
    files: 0,
    truncated: false,
  };
  let level: Array<{ abs: string; rel: string }> = [{ abs, rel }];
  for (let depth = 0; depth <= SEARCH_DEPTH && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const folder of level) {
      if (result.files >= budget) {
        result.truncated = true;
        break;
      }
      const entries = await readdir(folder.abs, { withFileTypes: true }).catch(() => []);
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      result.folders++;
      result.files += entries.length;
      const module = depth > 0 ? await recognise(modules, folder.abs, entries) : undefined;
      if (module) {
        const database = await otherDatabase(folder.abs, module.format);
        const hit = { dir: folder.rel, format: module.format };
        if (database) result.otherDatabases.push({ ...hit, database });
        else result.found.push(hit);
        continue;
      }
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith('.') || SKIPPED_FOLDERS.includes(e.name))
          continue;
        const sub = folder.rel === '.' ? e.name : `${folder.rel}/${e.name}`;
        next.push({ abs: join(folder.abs, e.name), rel: sub });
      }
    }
    if (result.truncated) break;
    level = depth < SEARCH_DEPTH ? next : [];
  }
  result.found = await withoutSqlcSchemas(repoRoot, result.found);
  return result;
}

/** What was searched, for the messages that say nothing or too much was found. */
export function describeSearch(search: FolderSearch, rel: string): string {
  const stopped = search.truncated ? `, stopping after ${SEARCH_BUDGET} files` : '';
  return `searched ${search.folders} folders below ${rel} to depth ${SEARCH_DEPTH}, passing over hidden folders and those named ${SKIPPED_FOLDERS.join(', ')}${stopped}`;
}

/** The markers the search knows formats by, for the message that found none. */
export const SEARCH_MARKERS =
  'sqlc.yaml; alembic.ini or env.py beside versions/; migration_lock.toml or {timestamp}_{name}/migration.sql folders (Prisma); meta/_journal.json (drizzle); .sql files named or annotated for golang-migrate, Flyway, goose or dbmate; .sql files in a folder named migrations';
