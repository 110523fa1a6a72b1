/**
 * Which query files the compat gate checks: the sqlc query paths discovery recorded (or those of
 * a sqlc config at the repository root) plus the `compat.queries` globs of `.schemagate.yml`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from '../../core/options.js';
import type { Discovery } from '../../core/model.js';
import { readSqlcConfig } from '../../discover/sqlc.js';

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files under `dir` (repository-relative), recursively, skipping .git and node_modules. */
function walk(repoRoot: string, dir: string): string[] {
  const abs = join(repoRoot, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const path = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : walk(repoRoot, path);
    return e.isFile() ? [path] : [];
  });
}

export function expandGlobs(repoRoot: string, globs: string[]): string[] {
  const found = new Set<string>();
  for (const glob of globs) {
    const clean = glob.replace(/^\.\//, '');
    const staticPart = clean
      .split('/')
      .filter((_, i, all) => !all.slice(0, i + 1).some((p) => /[*?]/.test(p)));
    const root =
      staticPart.length === clean.split('/').length ? staticPart.slice(0, -1) : staticPart;
    const re = globRegExp(clean);
    for (const file of walk(repoRoot, root.join('/'))) if (re.test(file)) found.add(file);
  }
  return [...found].sort();
}

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
