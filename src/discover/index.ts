/**
 * Discovery: which migration format a directory holds and its migrations in the order the
 * production tool applies them. Formats are plugins: one module each, registered below.
 */
import { InputError } from '../core/errors.js';
import { FORMATS, type Discovery, type Format } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { initSqlParser } from '../sql/split.js';
import { SCHEMA_FORMAT_MODULES, detectFormat, recognisedBelow } from './detect.js';
import { assertDirectory, hasEntries, locateDir } from './files.js';
import type { FormatModule } from './format.js';
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
  const at = locateDir(repoRoot, dir);
  const listed = await assertDirectory(at).then(
    () => hasEntries(at.abs),
    () => false,
  );
  if (!listed) return undefined;
  const ordered = [...FORMAT_MODULES].sort((a, b) => a.priority - b.priority);
  let here: FormatModule | undefined;
  for (const module of ordered)
    if (await module.detect(at.abs).catch(() => undefined)) {
      here = module;
      break;
    }
  if (here && here.format !== 'plain') return undefined;
  const below = await recognisedBelow(ordered, at.abs, at.rel);
  const found = here ? below.filter((f) => f.format !== 'plain') : below;
  return found.length === 1 ? { ...found[0], loose: here !== undefined } : undefined;
}
