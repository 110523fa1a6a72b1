/**
 * Discovery: which migration format a directory holds and its migrations in the order the
 * production tool applies them. Formats are plugins: one module each, registered below.
 */
import { InputError } from '../core/errors.js';
import { FORMATS, type Discovery, type Format } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { initSqlParser } from '../sql/split.js';
import { SCHEMA_FORMAT_MODULES, detectFormat, recognisedBelow } from './detect.js';
import { assertDirectory, hasEntries, locateDir, type MigrationDir } from './files.js';
import type { FormatModule } from './format.js';
import {
  SEARCH_MARKERS,
  describeSearch,
  searchMigrationFolders,
  type FolderSearch,
  type FoundFolder,
} from './search.js';
import { sqlc } from './sqlc.js';
import { readGraphileConfig } from './gmrc.js';
import { renderTemplates } from './templates.js';

/**
 * Every supported format. To add one, write src/discover/<format>.ts exporting a FormatModule
 * and add it to SCHEMA_FORMAT_MODULES in detect.ts; its `priority` places it in auto-detection (plain, the catch-all, is last).
 */
export const FORMAT_MODULES: FormatModule[] = [...SCHEMA_FORMAT_MODULES, sqlc];

export async function discoverMigrations(
  repoRoot: string,
  dir: string,
  format: Format | 'auto',
  settings?: Settings,
): Promise<Discovery> {
  await initSqlParser();
  const at = locateDir(repoRoot, dir);
  await assertDirectory(at);
  if (!(await hasEntries(at.abs))) throw new InputError(`migration directory ${at.rel} is empty`);
  const { module, reason } =
    format === 'auto' ? await detectFormat(FORMAT_MODULES, at.abs, at.rel) : chosenFormat(format);
  const discovery = renderTemplates(
    await module.discover(repoRoot, dir, settings),
    settings?.placeholders ?? {},
    readGraphileConfig(repoRoot, at.abs),
  );
  if (discovery.migrations.length === 0) {
    throw new InputError(`no ${module.format} migrations in ${at.rel}: expected ${module.expects}`);
  }
  return { ...discovery, reason };
}

function chosenFormat(format: string): { module: FormatModule; reason: string } {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new InputError(
      `unknown migration format "${format}"; expected auto or one of ${FORMATS.join(', ')}`,
    );
  }
  const module = FORMAT_MODULES.find((m) => m.format === format);
  if (!module) throw new InputError(`migration format ${format} is not supported yet`);
  return { module, reason: `given as ${format} (--format or the config file), not detected` };
}

interface UsualLook {
  at: MigrationDir;
  ordered: FormatModule[];
  /** `dir` holds loose .sql files only (read as plain when nothing below is a tool's). */
  loose: boolean;
  /** A format's detection failed on `dir` (a broken config): discovery reports why. */
  unreadable: boolean;
  usual: Array<{ dir: string; format: string }>;
}

/** Undefined when `dir` is missing or empty, or holds a tool's migrations itself. */
async function lookBelow(repoRoot: string, dir: string): Promise<UsualLook | undefined> {
  const at = locateDir(repoRoot, dir);
  const listed = await assertDirectory(at).then(
    () => hasEntries(at.abs),
    () => false,
  );
  if (!listed) return undefined;
  const ordered = [...FORMAT_MODULES].sort((a, b) => a.priority - b.priority);
  let here: FormatModule | undefined;
  let unreadable = false;
  for (const module of ordered) {
    const reason = await module.detect(at.abs).catch(() => {
      unreadable = true;
      return undefined;
    });
    if (reason) {
      here = module;
      break;
    }
  }
  if (here && here.format !== 'plain') return undefined;
  const below = await recognisedBelow(ordered, at.abs, at.rel);
  const usual = here ? below.filter((f) => f.format !== 'plain') : below;
  return { at, ordered, loose: here !== undefined, unreadable, usual };
}

/**
 * The one usual migration folder below `dir` (`migrations`, `db/migrations`, …) that holds
 * migrations, when `dir` itself holds none a format recognises: a repository checked from its
 * root, as the Action does without a `migrations` input, finds them there. Loose .sql files in
 * `dir` (an init script, a schema dump) do not count against a folder below holding a tool's
 * migrations; `loose` says they were passed over. Undefined when `dir` holds migrations itself,
 * or when no folder or several do (discovery then says which).
 */
export async function usualMigrationFolder(
  repoRoot: string,
  dir: string,
): Promise<{ dir: string; format: string; loose: boolean } | undefined> {
  const look = await lookBelow(repoRoot, dir);
  return look?.usual.length === 1 ? { ...look.usual[0], loose: look.loose } : undefined;
}

/**
 * The folder to check when `dir` holds no migrations: the one usual folder below it, else the
 * one folder a bounded search of everything below finds by a format's markers (a monorepo's
 * `packages/prisma/migrations`), with the note that says so. Undefined when `dir` holds
 * migrations itself or several usual folders do (discovery names them). Throws when the search
 * finds several folders or none.
 */
export async function migrationFolderBelow(
  repoRoot: string,
  dir: string,
): Promise<{ dir: string; format: string; note: string } | undefined> {
  const look = await lookBelow(repoRoot, dir);
  if (!look || look.usual.length > 1) return undefined;
  const { at, ordered, loose } = look;
  const pick = `set migrations: in .schemagate.yml to check another`;
  const passedOver = loose ? `; the loose .sql files in ${dir} are not read` : '';
  if (look.usual.length === 1) {
    const [one] = look.usual;
    const note = `migrations: ${one.dir}, the one folder below ${dir} that holds migrations (${one.format})${passedOver}; ${pick}`;
    return { ...one, note };
  }
  const search = await searchMigrationFolders(ordered, repoRoot, at.abs, at.rel);
  const found = loose ? search.found.filter((f) => f.format !== 'plain') : search.found;
  const others = otherDatabasesText(search);
  if (found.length === 1) {
    const [one] = found;
    const note = `migrations: ${one.dir}, the one folder below ${dir} that holds migrations (${one.format}), found by searching ${search.folders} folders below ${dir} for each format's markers${others ? `; ${others}` : ''}${passedOver}; ${pick}`;
    return { ...one, note };
  }
  // The loose .sql files are the migrations, read as plain; or discovery says what is broken.
  if (loose || look.unreadable) return undefined;
  if (found.length > 1) throw new InputError(severalFoldersMessage(found, search, at.rel));
  const expected = ordered.map((m) => `${m.format} (${m.expects})`).join('; ');
  throw new InputError(
    `no migrations recognised in ${at.rel}; expected one of: ${expected}. No folder below it holds migrations either: ${describeSearch(search, at.rel)}, looking for ${SEARCH_MARKERS}${others ? `; ${others}` : ''}. Name the folder: schemagate check DIR, or migrations: DIR in .schemagate.yml`,
  );
}

function otherDatabasesText(search: FolderSearch): string {
  return search.otherDatabases
    .map(
      (o) =>
        `${o.dir} holds ${o.format} migrations for ${o.database}, passed over (schemagate replays PostgreSQL migrations only)`,
    )
    .join('; ');
}

function severalFoldersMessage(found: FoundFolder[], search: FolderSearch, rel: string): string {
  const listed = found.map((f) => `${f.dir} (${f.format})`).join(', ');
  const sets = found.map((f) => `{dir: ${f.dir}, format: ${f.format}}`).join(', ');
  return `no migrations recognised in ${rel}, and ${found.length} folders below it hold migrations: ${listed}. Check one with schemagate check ${found[0].dir} or migrations: ${found[0].dir} in .schemagate.yml, or all of them as several migration sets with migrations: [${sets}] (${describeSearch(search, rel)})`;
}
