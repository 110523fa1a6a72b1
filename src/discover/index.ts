/**
 * Discovery: which migration format a directory holds and its migrations in the order the
 * production tool applies them. Formats are plugins: one module each, registered below.
 */
import { InputError } from '../engine/errors.js';
import { FORMATS, type Discovery, type Format } from '../engine/model.js';
import type { GateSettings } from '../engine/options.js';
import { initSqlParser } from '../sql/split.js';
import { alembic } from './alembic.js';
import { dbmate } from './dbmate.js';
import { drizzle } from './drizzle.js';
import { assertDirectory, hasEntries, locateDir } from './files.js';
import { flyway } from './flyway.js';
import type { FormatModule } from './format.js';
import { golangMigrate } from './golang-migrate.js';
import { goose } from './goose.js';
import { plain } from './plain.js';
import { prisma } from './prisma.js';
import { sqlc } from './sqlc.js';

/**
 * Every supported format. To add one, write src/discover/<format>.ts exporting a FormatModule
 * and add it here; its `priority` places it in auto-detection (plain, the catch-all, is last).
 */
export const FORMAT_MODULES: FormatModule[] = [
  golangMigrate,
  flyway,
  goose,
  dbmate,
  plain,
  alembic,
  prisma,
  drizzle,
  sqlc,
];

function byPriority(): FormatModule[] {
  return [...FORMAT_MODULES].sort((a, b) => a.priority - b.priority);
}

export async function discoverMigrations(
  repoRoot: string,
  dir: string,
  format: Format | 'auto',
  settings?: GateSettings,
): Promise<Discovery> {
  await initSqlParser();
  const at = locateDir(repoRoot, dir);
  await assertDirectory(at);
  if (!(await hasEntries(at.abs))) throw new InputError(`migration directory ${at.rel} is empty`);
  const { module, reason } =
    format === 'auto' ? await detectFormat(at.abs, at.rel) : chosenFormat(format);
  const discovery = await module.discover(repoRoot, dir, settings);
  if (discovery.migrations.length === 0) {
    throw new InputError(`no ${module.format} migrations in ${at.rel}: expected ${module.expects}`);
  }
  return { ...discovery, reason };
}

/** Runs every detector in priority order; the first that recognises the directory wins. */
export async function detectFormat(
  abs: string,
  rel: string,
): Promise<{ module: FormatModule; reason: string }> {
  const modules = byPriority();
  for (const module of modules) {
    const reason = await module.detect(abs);
    if (reason) return { module, reason };
  }
  const expected = modules.map((m) => `${m.format} (${m.expects})`).join('; ');
  throw new InputError(`no migrations recognised in ${rel}; expected one of: ${expected}`);
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
