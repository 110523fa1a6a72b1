/**
 * Repository files matching globs (`*`, `?`, `**`), relative to the repository root: the compat
 * gate's query files and the `setup:` SQL files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

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

/** Every file matching any of `globs`, sorted. */
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
