/**
 * Which query files the compat gate checks: the sqlc query paths discovery recorded (or those of
 * a sqlc config at the repository root) plus the `compat.queries` globs of `.schemagate.yml`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expandGlobs } from '../../core/globs.js';
import type { Options } from '../../core/options.js';
import type { Discovery } from '../../core/model.js';
import { readSqlcConfig } from '../../discover/sqlc.js';

/** Re-exported for the tests that name it here. */
export { expandGlobs };

/** The sqlc query files of a config at the repository root, when discovery did not record any. */
async function rootSqlcQueries(repoRoot: string): Promise<string[]> {
  const config = ['sqlc.yaml', 'sqlc.yml', 'sqlc.json']
    .map((n) => join(repoRoot, n))
    .find(existsSync);
  if (!config) return [];
  const { queries } = await readSqlcConfig(repoRoot, config);
  return queries.flatMap((q) =>
    existsSync(join(repoRoot, q)) ? expandGlobs(repoRoot, [`${q}/*.sql`, q]) : [],
  );
}

export async function queryFiles(options: Options, discovery: Discovery): Promise<string[]> {
  const sqlc = discovery.queries ?? (await rootSqlcQueries(options.repoRoot));
  const globbed = expandGlobs(options.repoRoot, options.settings.compat.queries);
  return [...new Set([...sqlc, ...globbed])];
}
