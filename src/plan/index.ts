/**
 * The plan stage: which migrations production already has (merged at the base commit), which the
 * PR adds, and which merged ones it edits or removes.
 */
import { discoverMigrations } from '../discover/index.js';
import { flywayConfigFiles } from '../discover/flyway-placeholders.js';
import { InputError } from '../core/errors.js';
import type { Discovery } from '../core/model.js';
import type { Options } from '../core/options.js';
import {
  materializeAt,
  resolveBase,
  splitByCount,
  splitPlan,
  unchangedAtBase,
  type Plan,
} from './plan.js';

export type { Plan } from './plan.js';

/**
 * Splits the discovered migrations against `options.base` (resolved once here; gates read the
 * commit from the plan). `mergedCount` (library callers and tests) treats the first N as merged.
 */
export async function planMigrations(
  discovery: Discovery,
  options: Options,
  mergedCount?: number,
): Promise<Plan> {
  if (mergedCount !== undefined) return splitByCount(discovery, mergedCount);
  if (!options.base) return splitPlan(discovery, undefined);
  const commit = resolveBase(options.repoRoot, options.base);
  const tree = materializeAt(options.repoRoot, commit, [
    options.dir,
    ...baseExtras(discovery, options),
  ]);
  try {
    const base = await discoverMigrations(
      tree.dir,
      options.dir,
      discovery.format,
      options.settings,
    ).catch((e) => {
      if (e instanceof InputError) return undefined; // no migrations at the base: all are new
      throw e;
    });
    const unchanged = unchangedAtBase(discovery.findings, options.repoRoot, tree.dir);
    return {
      ...splitPlan(discovery, base, options.base),
      baseCommit: commit,
      ...(unchanged.length ? { unchangedAtBase: unchanged } : {}),
    };
  } finally {
    tree.dispose();
  }
}

/** Files outside the migration directory that discovery of some formats needs at the base. */
function baseExtras(discovery: Discovery, options: Options): string[] {
  if (discovery.format === 'sqlc') return ['sqlc.yaml', 'sqlc.yml', 'sqlc.json'];
  if (discovery.format === 'alembic') return ['alembic.ini'];
  if (discovery.format === 'flyway') return flywayConfigFiles(options.repoRoot, options.dir);
  return [];
}
